package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/leadsync/leadsync/sinks"
)

// The vendors' connection keys: config names no vendor; a job's sink and
// source sections take the keys the vendors' descriptors declare, each
// vendor its own.

// findVendor finds the vendor a sink (source false) or an API source
// names: a source's type names it exactly, and only a vendor that can be
// read is one.
func findVendor(vendors []sinks.Vendor, name string, source bool) (sinks.Vendor, bool) {
	if !source {
		name = strings.ToLower(strings.TrimSpace(name))
	}
	for _, v := range vendors {
		if v.Name == name && (!source || v.NewSource != nil) {
			return v, true
		}
	}
	return sinks.Vendor{}, false
}

// connKeys lists every vendor's keys for a sink or source section, each
// once, in the vendors' order.
func connKeys(vendors []sinks.Vendor, source bool) []string {
	var keys []string
	seen := map[string]bool{}
	for _, v := range vendors {
		if source && v.NewSource == nil {
			continue
		}
		for _, o := range v.OptionsFor(source) {
			if !seen[o.Key] {
				seen[o.Key] = true
				keys = append(keys, o.Key)
			}
		}
	}
	return keys
}

// sourceTypes are the file types and the vendors that can be read.
func sourceTypes(vendors []sinks.Vendor) []string {
	out := append([]string{}, fileTypes...)
	for _, v := range vendors {
		if v.NewSource != nil {
			out = append(out, v.Name)
		}
	}
	return out
}

func vendorNames(vendors []sinks.Vendor) []string {
	out := make([]string, len(vendors))
	for i, v := range vendors {
		out[i] = v.Name
	}
	return out
}

// orList joins "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// section returns the top-level mapping value at key, or nil.
func (d *Doc) section(key string) ast.Node {
	for _, p := range Pairs(d.Root) {
		if Key(p) == key {
			return p.Value
		}
	}
	return nil
}

// scalarAt returns the scalar at "$.section.key", or "".
func (d *Doc) scalarAt(path string) string {
	sec, key, _ := strings.Cut(strings.TrimPrefix(path, "$."), ".")
	for _, p := range Pairs(d.section(sec)) {
		if Key(p) == key {
			v, _ := Scalar(p.Value)
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// decodeConn reads the connection keys of the section at path ("$.sink"
// or "$.source") that vendor v declares. known says v is the vendor the
// section names; a key only other vendors take is refused.
func (d *Doc) decodeConn(path string, v sinks.Vendor, known, source bool, vendors []sinks.Vendor) (sinks.Conn, Errors) {
	return d.decodeConnAt(d.section(strings.TrimPrefix(path, "$.")), path, v, known, source, vendors)
}

// decodeConnAt reads the connection keys of the mapping node found at
// path ("$.sink", "$.sink.connections[1]").
func (d *Doc) decodeConnAt(node ast.Node, path string, v sinks.Vendor, known, source bool, vendors []sinks.Vendor) (sinks.Conn, Errors) {
	side := strings.TrimPrefix(path, "$.")
	opts := map[string]sinks.Option{}
	var takes []string
	for _, o := range v.OptionsFor(source) {
		opts[o.Key] = o
		takes = append(takes, o.Key)
	}
	anyVendor := map[string]bool{}
	for _, k := range connKeys(vendors, source) {
		anyVendor[k] = true
	}
	conn := sinks.Conn{}
	var errs Errors
	for _, p := range Pairs(node) {
		k := Key(p)
		if !anyVendor[k] {
			continue // not a connection key: decoded (or refused) with the job
		}
		o, ok := opts[k]
		if !ok {
			switch {
			case known:
				it := "none"
				if len(takes) > 0 {
					it = strings.Join(takes, ", ")
				}
				errs = append(errs, d.At(p.Key, "%s.%s is not a key %s takes (its %s takes %s)", side, k, v.Name, side, it))
			case source && d.isFileSource():
				errs = append(errs, d.At(p.Key, "%s.%s is a key of vendor API sources, not of a file", side, k))
			}
			continue
		}
		val, isScalar := Scalar(p.Value)
		if !isScalar {
			if _, null := Unwrap(p.Value).(*ast.NullNode); !null && p.Value != nil {
				errs = append(errs, d.At(p.Value, "%s.%s must be a single value, not a mapping or a list", side, k))
				continue
			}
		}
		if o.Kind == sinks.BoolOption && val != "" {
			switch strings.ToLower(strings.TrimSpace(val)) {
			case "true":
				val = "true"
			case "false":
				val = "false"
			default:
				errs = append(errs, d.At(p.Value, "%s.%s must be true or false, not %s", side, k, d.Shown(path+"."+k, val)))
				continue
			}
		}
		conn[k] = val
	}
	return conn, errs
}

// isFileSource reports whether the source section names a file (by its
// type or its path) rather than a vendor.
func (d *Doc) isFileSource() bool {
	t := strings.ToLower(d.scalarAt("$.source.type"))
	for _, f := range fileTypes {
		if t == f {
			return true
		}
	}
	return t == "" && d.scalarAt("$.source.path") != ""
}

// decode is Decode with extra keys allowed in the mappings decoded into
// the given struct types (the vendors' connection keys, which the struct
// does not declare).
func (d *Doc) decode(node ast.Node, v any, extra map[reflect.Type][]string) error {
	var errs Errors
	d.checkKeysWith(node, reflect.TypeOf(v).Elem(), extra, &errs)
	if len(errs) > 0 {
		return errs.Err()
	}
	return d.nodeToValue(node, v)
}

// decodeConnections reads sink.connections: a list of mappings, each
// taking only the sink vendor's connection keys, each the base section's
// connection with its keys over it. Two connections with the same
// credential (url and secret keys) are refused: they would share one
// vendor window while each budget counted it as its own.
func (d *Doc) decodeConnections(base sinks.Conn, v sinks.Vendor, known bool, vendors []sinks.Vendor) ([]sinks.Conn, Errors) {
	var node *ast.MappingValueNode
	for _, p := range Pairs(d.section("sink")) {
		if Key(p) == "connections" {
			node = p
		}
	}
	if node == nil {
		return nil, nil
	}
	if _, null := Unwrap(node.Value).(*ast.NullNode); null || node.Value == nil {
		return nil, nil
	}
	seq, ok := Unwrap(node.Value).(*ast.SequenceNode)
	if !ok {
		return nil, Errors{d.At(node.Value, "sink.connections must be a list of mappings, each with the keys that differ from the sink's (api_key: ${OTHER_KEY})")}
	}
	takes := map[string]bool{}
	var names []string
	for _, o := range v.OptionsFor(false) {
		takes[o.Key] = true
		names = append(names, o.Key)
	}
	anyVendor := map[string]bool{}
	for _, k := range connKeys(vendors, false) {
		anyVendor[k] = true // refused (or taken) by decodeConnAt
	}
	var errs Errors
	var out []sinks.Conn
	seen := map[string]string{credentialOf(v, base): "sink"}
	for i, item := range seq.Values {
		where := fmt.Sprintf("sink.connections[%d]", i)
		if !IsMapping(Unwrap(item)) {
			errs = append(errs, d.At(item, "%s must be a mapping of connection keys (%s)", where, strings.Join(names, ", ")))
			continue
		}
		bad := false
		for _, p := range Pairs(Unwrap(item)) {
			if k := Key(p); !takes[k] && !anyVendor[k] {
				errs = append(errs, d.At(p.Key, "%s.%s is not a connection key of %s (an entry of sink.connections takes %s)", where, k, v.Name, strings.Join(names, ", ")))
				bad = true
			}
		}
		entry, cerrs := d.decodeConnAt(Unwrap(item), "$."+where, v, known, false, vendors)
		errs = append(errs, cerrs...)
		if bad || len(cerrs) > 0 {
			continue
		}
		c := sinks.Conn{}
		for k, val := range base {
			c[k] = val
		}
		for k, val := range entry {
			c[k] = val
		}
		cred := credentialOf(v, c)
		if prev, dup := seen[cred]; dup {
			errs = append(errs, d.At(item, "%s has the same credential as %s (%s): each connection needs a credential of its own", where, prev, strings.Join(secretKeys(v), ", ")))
			continue
		}
		seen[cred] = where
		out = append(out, c)
	}
	return out, errs
}

// credentialOf identifies a connection's credential: its url and secret
// keys.
func credentialOf(v sinks.Vendor, c sinks.Conn) string {
	s := strings.TrimRight(strings.TrimSpace(c.Get("url")), "/")
	for _, k := range secretKeys(v) {
		s += "\x00" + c.Get(k)
	}
	return s
}

func secretKeys(v sinks.Vendor) []string {
	var out []string
	for _, o := range v.OptionsFor(false) {
		if o.Secret {
			out = append(out, o.Key)
		}
	}
	return out
}
