// Placed before the real yaml-cpp on the include path of the layers that
// must not read YAML (sim/, models/, analysis/): see dsim_layer() in
// CMakeLists.txt and "Layers" in docs/ARCHITECTURE.md.
#error "dsim layering: this layer (or a public header of the loader) must not use YAML; parse in loader/*.cpp into a plain spec (models/scenario_spec.h)"
