#include "profilegen/apply.h"

#include <climits>
#include <cstdlib>

#include "common/atomic_file.h"
#include "profilegen/runtime_part.h"

namespace profile {
namespace {

// The workload's SeccompProfile name: the last metadata name of
// seccompprofile.yaml (the first document is the runtime's base, when present).
std::string spo_name(const std::string& yaml) {
  std::string name = "NAME";
  for (size_t at = yaml.find("\nmetadata:\n  name: "); at != std::string::npos;
       at = yaml.find("\nmetadata:\n  name: ", at + 1)) {
    size_t start = at + 19;
    name = yaml.substr(start, yaml.find('\n', start) - start);
  }
  return name;
}

std::string runtime_note(const RuntimeRuleView& v, const std::string& engine_in) {
  // The --runtime selection that covers the engine (orchestrators on Docker: docker).
  std::string engine = engine_in == "nomad" || engine_in == "swarm" ? "docker"
                       : engine_in == "mesos"                       ? "all"
                                                                    : engine_in;
  if (v.names.empty())
    return "# WARNING: this seccomp.json has no runtime part (generated with --runtime none, or by an older\n"
           "# profile): the runtime's own calls are denied and " +
           engine_in +
           " will fail to start the container.\n"
           "# Regenerate with: profile generate DIR --runtime " +
           engine + "\n";
  std::string sel = v.comment.substr(0, v.comment.find(')'));
  sel = sel.substr(sel.find("--runtime") == std::string::npos ? sel.size() : sel.find("--runtime"));
  return "# The profile carries the container runtime's own calls (" + sel + "): " + std::to_string(v.names.size()) +
         " syscalls in a separate rule.\n";
}

}  // namespace

const std::vector<std::string>& apply_engines() {
  static const std::vector<std::string> e = {"docker", "podman",     "runc",  "crun",  "containerd",
                                             "cri-o",  "kubernetes", "nomad", "swarm", "mesos"};
  return e;
}

Result<std::string> apply_instructions(const std::string& dir_in, const std::string& engine) {
  bool known = false;
  for (const auto& e : apply_engines()) known = known || e == engine;
  if (!known) {
    std::string list;
    for (const auto& e : apply_engines()) list += (list.empty() ? "" : ", ") + e;
    return make_error("unknown engine \"" + engine + "\" for --apply (expected one of " + list + ")");
  }
  char buf[PATH_MAX];
  if (::realpath(dir_in.c_str(), buf) == nullptr) return Errno().error("realpath(\"" + dir_in + "\")");
  std::string dir = buf;
  auto sj = read_file(dir + "/seccomp.json");
  if (!sj) return sj.error().wrap(dir_in + " is not a profile bundle");
  auto rt = runtime_rule_of(*sj, dir + "/seccomp.json");
  if (!rt) return rt.error();
  auto yaml = read_file(dir + "/seccompprofile.yaml");
  std::string name = yaml ? spo_name(*yaml) : "NAME";
  const std::string json = dir + "/seccomp.json";
  const std::string oci = dir + "/seccomp.oci.json";
  std::string o = runtime_note(*rt, engine);

  if (engine == "docker") {
    o += "docker run --security-opt seccomp=" + json +
         " IMAGE [COMMAND...]\n"
         "# add --security-opt no-new-privileges for NNP on; compose: security_opt: [\"seccomp=" +
         json +
         "\"]\n"
         "# daemon-wide default instead: dockerd --seccomp-profile " +
         json + "\n";
  } else if (engine == "podman") {
    o += "podman run --security-opt seccomp=" + json +
         " IMAGE [COMMAND...]\n"
         "# add --security-opt no-new-privileges for NNP on; default for every container: containers.conf\n"
         "# [containers] seccomp_profile = \"" +
         json + "\"\n";
  } else if (engine == "runc" || engine == "crun") {
    o += "# config.json: linux.seccomp is the object in seccomp.oci.json\n"
         "jq --slurpfile s " +
         oci +
         " '.linux.seccomp = $s[0]' config.json > config.json.new && "
         "mv config.json.new config.json\n" +
         engine + " run -b BUNDLE ID\n";
  } else if (engine == "containerd") {
    o += "ctr run --seccomp --seccomp-profile " + json +
         " IMAGE ID [COMMAND...]\n"
         "# ctr sets no_new_privileges unless --allow-new-privs; nerdctl: --security-opt seccomp=" +
         json +
         "\n"
         "# under Kubernetes, the kubelet passes the profile through the CRI: see --apply kubernetes\n";
  } else if (engine == "kubernetes" || engine == "cri-o") {
    o += "# 1. On every node, the file the kubelet reads from its seccomp directory:\n"
         "install -D -m 0644 " +
         json + " /var/lib/kubelet/seccomp/profiles/" + name +
         ".json\n"
         "# 2. In the Pod (or one container's) securityContext:\n"
         "securityContext:\n"
         "  seccompProfile:\n"
         "    type: Localhost\n"
         "    localhostProfile: profiles/" +
         name +
         ".json\n"
         "# allowPrivilegeEscalation defaults to true (NNP off), which the runtime part covers.\n"
         "# With the security-profiles-operator instead of step 1 (two resources: the runtime's base and\n"
         "# the workload's, which names it in baseProfileName):\n"
         "#   kubectl apply -n NAMESPACE -f " +
         dir +
         "/seccompprofile.yaml\n"
         "#   localhostProfile: operator/NAMESPACE/" +
         name + ".json\n";
    if (engine == "cri-o")
      o += "# CRI-O reads the same Localhost path; its own default for every container: crio.conf\n"
           "# [crio.runtime] seccomp_profile = \"" +
           json + "\"\n";
  } else if (engine == "nomad") {
    o += "# Nomad docker driver (the path is read on the client node; the plugin's allow_privileged\n"
         "# is not needed for seccomp):\n"
         "task \"app\" {\n"
         "  driver = \"docker\"\n"
         "  config {\n"
         "    image        = \"IMAGE\"\n"
         "    security_opt = [\"seccomp=" +
         json +
         "\"]\n"
         "  }\n"
         "}\n"
         "# podman driver: the same security_opt in its config block.\n";
  } else if (engine == "swarm") {
    o += "# docker service create has no --security-opt: a service's tasks get the daemon's default profile.\n"
         "# What works: make the profile the daemon-wide default on every node that runs the service\n"
         "# (it then applies to every container of that daemon):\n"
         "dockerd --seccomp-profile " +
         json +
         "\n"
         "# or /etc/docker/daemon.json: {\"seccomp-profile\": \"" +
         json +
         "\"}\n"
         "# Newer Engine APIs also take it per service in POST /services/create:\n"
         "# TaskTemplate.ContainerSpec.Privileges.Seccomp = {\"Mode\": \"custom\", \"Profile\": <seccomp.json's "
         "bytes>}\n"
         "# (not in Debian's docker 20.10, not tested here).\n";
  } else if (engine == "mesos") {
    o += "# Mesos containerizer, linux/seccomp isolator (it reads Docker's format) on each agent:\n"
         "mesos-agent --isolation=linux/seccomp,... --seccomp_config_dir=" +
         dir +
         " --seccomp_profile_name=seccomp.json\n"
         "# Mesos's launcher calls pivot_root after the filter is loaded, and its post-filter calls are not\n"
         "# measured (no Mesos here): allow them with profile generate --policy FILE, e.g. a file with\n"
         "# [allow.pivot_root] reason = \"mesos containerizer\" (that also allows them to the workload).\n"
         "# Docker containerizer tasks: docker's --security-opt, see --apply docker.\n";
  }
  return o;
}

}  // namespace profile
