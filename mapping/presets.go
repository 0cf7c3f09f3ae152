package mapping

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

// presetFiles are the mapping presets shipped with leadsync for common
// moves between CRMs. They are ordinary mapping files: `leadsync presets
// NAME` prints one to copy and edit, and a job can name one directly
// (mapping: preset:NAME).
//
//go:embed presets/*.yaml
var presetFiles embed.FS

// PresetPrefix marks a mapping that names a preset.
const PresetPrefix = "preset:"

// Presets lists the preset names.
func Presets() []string {
	entries, _ := presetFiles.ReadDir("presets")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// Preset returns a preset's YAML.
func Preset(name string) ([]byte, error) {
	b, err := presetFiles.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no mapping preset %q (presets: %s)", name, strings.Join(Presets(), ", "))
	}
	return b, nil
}
