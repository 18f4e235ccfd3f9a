# Hardening of every target, as Debian's dpkg-buildflags "hardening=+all" does: `profile` runs as root and parses
# files a workload could have written, so a stack overflow must abort, relocations must be read-only before main()
# (full RELRO: BIND_NOW), and the binary must be position independent for ASLR.
option(PROFILE_HARDENING "Build with hardening flags (FORTIFY, stack protector, PIE, full RELRO)" ON)
if(NOT PROFILE_HARDENING)
  return()
endif()

include(CheckPIESupported)
check_pie_supported(LANGUAGES C CXX)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_compile_options(-fstack-protector-strong -fstack-clash-protection)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i.86)$")
  add_compile_options(-fcf-protection)
endif()
# _FORTIFY_SOURCE checks nothing without optimisation (glibc warns and ignores it at -O0), so only the optimised
# configurations get it; -U first because some compilers (Ubuntu's) predefine another level. A sanitizer build
# leaves it out: ASan intercepts the same functions and fortified wrappers would hide accesses from it.
if(NOT SANITIZE AND NOT PROFILE_FUZZ)
  add_compile_options("$<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-U_FORTIFY_SOURCE;-D_FORTIFY_SOURCE=2>")
endif()
add_link_options(LINKER:-z,relro LINKER:-z,now)
