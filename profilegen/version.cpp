// Anchor so the library exists before its generators land.
namespace profile::profilegen_anchor {
int unused = 0;
}
