# What `cmake --install` and the .deb put in place, in Debian's layout (GNUInstallDirs): the binary, every man page
# of man/ gzipped (Debian policy 12.1: compressed with gzip -9n, so the package is reproducible), and bash, zsh
# and fish completions generated from the built binary's --help, so that they cannot lag behind the options.
include(GNUInstallDirs)

set(PROFILE_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "Where the bash completion is installed (relative to the prefix)")
set(PROFILE_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
    CACHE STRING "Where the zsh completion is installed (Debian's fpath; upstream zsh uses zsh/site-functions)")
set(PROFILE_FISH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d"
    CACHE STRING "Where the fish completion is installed (relative to the prefix)")

find_program(PROFILE_GZIP gzip REQUIRED)
file(GLOB PROFILE_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.[1-9])
set(man_outputs)
foreach(page ${PROFILE_MAN_PAGES})
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE ".*\\.([1-9])$" "\\1" section ${name})
  set(out ${PROJECT_BINARY_DIR}/man/man${section}/${name}.gz)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man/man${section}
    COMMAND ${PROFILE_GZIP} -9nc ${page} > ${out}
    DEPENDS ${page}
    VERBATIM)
  list(APPEND man_outputs ${out})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${man_outputs})

set(completion_dir ${PROJECT_BINARY_DIR}/completions)
set(completion_files ${completion_dir}/profile.bash ${completion_dir}/_profile ${completion_dir}/profile.fish)
add_custom_command(
  OUTPUT ${completion_files}
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/completions.sh $<TARGET_FILE:profile> ${completion_dir}
  DEPENDS profile ${PROJECT_SOURCE_DIR}/scripts/completions.sh
  COMMENT "shell completions from profile --help"
  VERBATIM)
add_custom_target(completions ALL DEPENDS ${completion_files})
install(FILES ${completion_dir}/profile.bash DESTINATION ${PROFILE_BASH_COMPLETION_DIR} RENAME profile)
install(FILES ${completion_dir}/_profile DESTINATION ${PROFILE_ZSH_COMPLETION_DIR})
install(FILES ${completion_dir}/profile.fish DESTINATION ${PROFILE_FISH_COMPLETION_DIR})

# The .deb: `cpack -G DEB` (or `cmake --build build --target package`) in the build directory.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME profile)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "profile maintainers")
set(PROFILE_DEB_MAINTAINER "profile maintainers <maintainers@users.noreply.r-seed-9bc0e6b8.example>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PROFILE_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "learn least-privilege seccomp, Landlock and SELinux profiles")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
 profile runs a workload in a learning container, records what it does
 (syscalls with their arguments, files, executables, network endpoints,
 capabilities), generates the smallest seccomp, Landlock and SELinux
 profiles that still let it run, and runs it again confined by them.
 It also diffs profiles and checks them offline, as a CI gate.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Depends from the libraries the binary links (dpkg-shlibdeps, as debhelper does), not a hand-kept list.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The SELinux artifacts are built and installed by running the reference policy's tools; everything else works
# without them.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "make, selinux-policy-dev, checkpolicy, semodule-utils, policycoreutils")
# RelWithDebInfo is the default build: the package ships the binary stripped, as dh_strip does.
set(CPACK_STRIP_FILES ON)
include(CPack)
