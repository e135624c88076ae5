// Placed before the real nlohmann-json on the include path of the layers that
// must not write JSON (sim/, models/, loader/): see dsim_layer() in
// CMakeLists.txt and "Layers" in docs/ARCHITECTURE.md.
#error "dsim layering: this layer must not produce JSON; reports belong to analysis/"
