// `profile label DIR IMAGE [--tag TAG]`: put the bundle's seccomp profile into
// the image's io.containers.seccomp.profile label (ocihook/image_label.h).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/log.h"
#include "ocihook/image_label.h"

namespace profile::cli {

void register_label(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<LabelRequest>();
  auto* cmd = app.add_subcommand(
      "label", "Put a bundle's seccomp profile into an image's label, for podman run --seccomp-policy=image");
  cmd->add_option("DIR", a->bundle, "Bundle directory (its seccomp.json)")->required();
  cmd->add_option("IMAGE", a->image, "Image in podman's local storage")->required();
  cmd->add_option("--tag", a->tag, "Name of the labelled image (default: IMAGE itself, retagged)")->type_name("TAG");
  cmd->add_option("--podman-opt", a->podman_opts,
                  "A global podman option, before 'build' (repeat: --podman-opt=--root=/x --podman-opt=--runroot=/y)")
      ->type_name("OPT")
      ->expected(1)
      ->take_all();
  cmd->footer(
      "\nBuilds IMAGE with the label io.containers.seccomp.profile set to DIR/seccomp.json (podman build\n"
      "--label on a Containerfile holding only FROM IMAGE: no layer added, nothing pulled), tagged TAG.\n"
      "podman then applies it with --seccomp-policy=image. Exit status: 0 done, 2 bad input, 125 podman failed.\n\n"
      "Examples:\n"
      "  profile label /srv/profiles/web localhost/web:1.4 --tag localhost/web:1.4-confined\n"
      "  podman run --seccomp-policy=image localhost/web:1.4-confined\n");
  cmd->callback([a, &ctx] {
    auto tag = label_image(*a);
    if (!tag) throw FatalError{tag.error(), -1};
    log::info("labelled " + *tag + " with " + kSeccompProfileLabel + " = " + a->bundle +
              "/seccomp.json; run it with: podman run --seccomp-policy=image " + *tag);
    ctx.exit_code = kExitOk;
  });
}

}  // namespace profile::cli
