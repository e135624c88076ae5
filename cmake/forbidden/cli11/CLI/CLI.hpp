// Placed before the real CLI11 on the include path of every layer but cli/:
// see dsim_layer() in CMakeLists.txt and "Layers" in docs/ARCHITECTURE.md.
#error "dsim layering: only cli/ parses command lines"
