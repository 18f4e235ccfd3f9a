#!/usr/bin/python3
"""Validates a bundle's three seccomp outputs against the reference schemas.

usage: validate_schemas.py BUNDLE_DIR SHARED_DIR
  seccomp.json        shape of moby's profile (keys and types of docker-default-seccomp.json)
  seccomp.oci.json    OCI runtime-spec config-linux.json#/properties/seccomp (jsonschema)
  seccompprofile.yaml the SeccompProfile CRD's openAPIV3Schema (jsonschema)
"""
import json
import os
import sys

import jsonschema
import yaml


def fail(msg):
    print("validate_schemas: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    bundle, ref = sys.argv[1], sys.argv[2]  # ref: the reference directory (PROFILE_REFERENCE)

    # OCI: resolve $refs relative to the schema directory.
    oci_dir = os.path.join(ref, "oci-schema")
    with open(os.path.join(oci_dir, "config-linux.json")) as f:
        linux = json.load(f)
    seccomp_schema = linux["linux"]["properties"]["seccomp"] if "linux" in linux else \
        linux["properties"]["linux"]["properties"]["seccomp"]
    resolver = jsonschema.RefResolver(base_uri="file://" + oci_dir + "/", referrer=linux)
    with open(os.path.join(bundle, "seccomp.oci.json")) as f:
        oci = json.load(f)
    try:
        jsonschema.Draft4Validator(seccomp_schema, resolver=resolver).validate(oci)
    except jsonschema.ValidationError as e:
        fail("seccomp.oci.json: " + e.message)

    # SPO CRD.
    with open(os.path.join(ref, "spo-crds", "seccompprofile.yaml")) as f:
        crd = yaml.safe_load(f)
    # One document, or two: the runtime's base profile, then the workload's naming it.
    with open(os.path.join(bundle, "seccompprofile.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    names = set()
    for cr in docs:
        version = cr["apiVersion"].split("/")[1]
        schemas = [v["schema"]["openAPIV3Schema"] for v in crd["spec"]["versions"] if v["name"] == version]
        if not schemas:
            fail("seccompprofile.yaml: apiVersion %s is not served by the CRD" % cr["apiVersion"])
        if cr.get("kind") != crd["spec"]["names"]["kind"]:
            fail("seccompprofile.yaml: kind is not SeccompProfile")
        try:
            jsonschema.Draft7Validator(schemas[0]).validate(cr)
        except jsonschema.ValidationError as e:
            fail("seccompprofile.yaml: " + e.message)
        base = cr["spec"].get("baseProfileName")
        if base is not None and base not in names:
            fail("seccompprofile.yaml: baseProfileName %s is not defined before it in the file" % base)
        names.add(cr["metadata"]["name"])

    # Docker/moby: no published JSON Schema; check against the reference profile's shape.
    with open(os.path.join(ref, "docker-default-seccomp.json")) as f:
        docker = json.load(f)
    with open(os.path.join(bundle, "seccomp.json")) as f:
        ours = json.load(f)
    allowed_top = set(docker.keys()) | {"architectures", "flags", "listenerPath", "listenerMetadata"}
    extra = set(ours.keys()) - allowed_top
    if extra:
        fail("seccomp.json: keys moby does not know: %s" % sorted(extra))
    if not isinstance(ours.get("defaultAction"), str):
        fail("seccomp.json: defaultAction must be a string")
    actions = {s["action"] for s in docker["syscalls"]} | {
        "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_LOG", "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"}
    ops = {a["op"] for s in docker["syscalls"] for a in s.get("args") or []} | {"SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ"}
    rule_keys = set().union(*(s.keys() for s in docker["syscalls"]))
    arg_keys = {"index", "value", "valueTwo", "op"}
    if ours["defaultAction"] not in actions:
        fail("seccomp.json: unknown defaultAction")
    for i, s in enumerate(ours["syscalls"]):
        if set(s.keys()) - rule_keys:
            fail("seccomp.json: syscalls[%d] has keys moby does not know: %s" % (i, sorted(set(s.keys()) - rule_keys)))
        if not s["names"] or not all(isinstance(n, str) for n in s["names"]):
            fail("seccomp.json: syscalls[%d].names must be non-empty strings" % i)
        if s["action"] not in actions:
            fail("seccomp.json: syscalls[%d].action %s unknown" % (i, s["action"]))
        for a in s.get("args", []):
            if set(a.keys()) - arg_keys or a["op"] not in ops or not isinstance(a["value"], int):
                fail("seccomp.json: syscalls[%d].args malformed: %s" % (i, a))
    # The OCI object and the Docker profile agree on the rules.
    if [sorted(s["names"]) for s in ours["syscalls"]] != [sorted(s["names"]) for s in oci["syscalls"]]:
        fail("seccomp.json and seccomp.oci.json disagree")
    print("validate_schemas: ok")


if __name__ == "__main__":
    main()
