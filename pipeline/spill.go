package pipeline

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/leadsync/leadsync/internal/offheap"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// A spill holds a vendor run's mapped rows on disk while they are grouped
// and planned, so the run's memory does not grow with the file: the rows
// are written once to a file, their keys are sorted externally (chunks
// of edgeChunk edges, merged), and the grouping keeps one int32 per row
// (its union-find parent) plus 8 bytes per row merged into another,
// both outside the Go heap (internal/offheap), so they cost their size
// not the twice their size a heap array would.
//
// The spill lives in a folder of its own beside the state file, locked
// with flock while the run uses it; a folder left by a killed run is
// removed by the next run that finds it unlocked.
type spill struct {
	dir  string
	lock *os.File

	data *os.File // the rows' records, one after another
	dw   *bufio.Writer
	off  int64
	offs *os.File // each row's record offset, 8 bytes per row
	ow   *bufio.Writer

	seeds [2]maphash.Seed
	chunk int    // edges sorted in memory at a time
	edges []edge // the current chunk
	runs  []string
	buf   []byte
	hints refHints // what encodeRow learns of the rows

	parent  rowInts // union-find over rows; after group, each row's root
	members []pair  // rows merged into another row, by root then row

	freeMembers func() // gives members' memory back
}

// edge says a row holds a key (by its 128-bit hash).
type edge struct {
	h1, h2 uint64
	row    int32
}

type pair struct{ root, row int32 }

// edgeChunk edges are sorted in memory at a time (24 bytes each).
const edgeChunk = 1 << 19

const spillPrefix = ".spill-"

// newSpill makes a spill folder in dir named after base (the state
// file's name), first removing the unlocked folders of killed runs.
func newSpill(dir, base string) (*spill, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	removeStaleSpills(dir, base)
	d, err := os.MkdirTemp(dir, base+spillPrefix)
	if err != nil && dir != os.TempDir() {
		// A folder leadsync may read but not write (a dry run beside a
		// read-only state file): the system's temporary folder.
		d, err = os.MkdirTemp("", base+spillPrefix)
	}
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	s := &spill{dir: d, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, chunk: edgeChunk}
	if s.lock, err = os.Create(filepath.Join(d, "lock")); err == nil {
		err = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err == nil {
		s.data, err = os.Create(filepath.Join(d, "rows"))
	}
	if err == nil {
		s.offs, err = os.Create(filepath.Join(d, "offsets"))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("spill: %w", err)
	}
	s.dw = bufio.NewWriterSize(s.data, 1<<16)
	s.ow = bufio.NewWriterSize(s.offs, 1<<14)
	return s, nil
}

// removeStaleSpills removes the spill folders of base in dir that no
// process holds (their run was killed).
func removeStaleSpills(dir, base string) {
	old, _ := filepath.Glob(filepath.Join(dir, base+spillPrefix+"*"))
	for _, d := range old {
		f, err := os.Open(filepath.Join(d, "lock"))
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(d)
		}
		f.Close()
	}
}

// Close removes the spill.
func (s *spill) Close() error {
	for _, f := range []*os.File{s.data, s.offs} {
		if f != nil {
			f.Close()
		}
	}
	err := os.RemoveAll(s.dir)
	if s.lock != nil {
		s.lock.Close()
	}
	s.parent.free()
	if s.freeMembers != nil {
		s.freeMembers()
		s.members, s.freeMembers = nil, nil
	}
	return err
}

// add spills one row: its record, and an edge per key.
func (s *spill) add(lead mapping.Lead, raw []string, keys []sinks.Key) error {
	seq := int32(s.parent.len())
	if s.parent.len() == 1<<31-1 {
		return errors.New("spill: more than 2^31 rows")
	}
	s.parent.add(seq)
	b := encodeRow(s.buf[:0], lead, raw, keys, &s.hints)
	s.buf = b
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(b)))
	var off [8]byte
	binary.LittleEndian.PutUint64(off[:], uint64(s.off))
	if _, err := s.ow.Write(off[:]); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.dw.Write(hdr[:n])
	if _, err := s.dw.Write(b); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.off += int64(n + len(b))
	if s.edges == nil {
		s.edges = make([]edge, 0, s.chunk) // one chunk's memory, never more
	}
	for _, k := range keys {
		ks := k.Kind + ":" + k.Value
		s.edges = append(s.edges, edge{maphash.String(s.seeds[0], ks), maphash.String(s.seeds[1], ks), seq})
	}
	if len(s.edges) >= s.chunk {
		return s.flushEdges()
	}
	return nil
}

func cmpEdge(a, b edge) int {
	if c := cmp.Compare(a.h1, b.h1); c != 0 {
		return c
	}
	if c := cmp.Compare(a.h2, b.h2); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

// flushEdges sorts the chunk and writes it as a run.
func (s *spill) flushEdges() error {
	slices.SortFunc(s.edges, cmpEdge)
	name := filepath.Join(s.dir, fmt.Sprintf("edges-%d", len(s.runs)))
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var b [20]byte
	for _, e := range s.edges {
		binary.LittleEndian.PutUint64(b[0:], e.h1)
		binary.LittleEndian.PutUint64(b[8:], e.h2)
		binary.LittleEndian.PutUint32(b[16:], uint32(e.row))
		w.Write(b[:])
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.runs = append(s.runs, name)
	s.edges = s.edges[:0]
	return nil
}

func (s *spill) find(x int32) int32 {
	for p := s.parent.at(x); p != x; p = s.parent.at(x) {
		gp := s.parent.at(p)
		s.parent.set(x, gp)
		x = gp
	}
	return x
}

// union joins two rows' groups; a group's root is its first row.
func (s *spill) union(a, b int32) {
	ra, rb := s.find(a), s.find(b)
	switch {
	case ra < rb:
		s.parent.set(rb, ra)
	case rb < ra:
		s.parent.set(ra, rb)
	}
}

// group finishes writing and joins the rows that share a key: after it,
// parent holds each row's root (its group's first row) and members the
// rows merged into a root.
func (s *spill) group() error {
	if err := s.dw.Flush(); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	if err := s.ow.Flush(); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	same := func(a, b edge) bool { return a.h1 == b.h1 && a.h2 == b.h2 }
	var prev edge
	first := true
	visit := func(e edge) {
		if !first && same(prev, e) {
			s.union(prev.row, e.row)
		}
		prev, first = e, false
	}
	if len(s.runs) == 0 {
		slices.SortFunc(s.edges, cmpEdge)
		for _, e := range s.edges {
			visit(e)
		}
	} else {
		if len(s.edges) > 0 {
			if err := s.flushEdges(); err != nil {
				return err
			}
		}
		if err := s.mergeRuns(visit); err != nil {
			return err
		}
	}
	s.edges = nil
	n := int32(s.parent.len())
	merged := 0
	for i := range n {
		r := s.find(i)
		s.parent.set(i, r)
		if r != i {
			merged++
		}
	}
	// Exactly merged, outside the Go heap (as parent): no regrowth.
	members, free := offheap.Make[pair](merged)
	s.members, s.freeMembers = members[:0], free
	for i := range n {
		if r := s.parent.at(i); r != i {
			s.members = append(s.members, pair{r, i})
		}
	}
	slices.SortFunc(s.members, func(a, b pair) int {
		if c := cmp.Compare(a.root, b.root); c != 0 {
			return c
		}
		return cmp.Compare(a.row, b.row)
	})
	return nil
}

// runReader reads one sorted run of edges.
type runReader struct {
	r   *bufio.Reader
	f   *os.File
	cur edge
}

func (r *runReader) next() (bool, error) {
	var b [20]byte
	if _, err := io.ReadFull(r.r, b[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, fmt.Errorf("spill: %w", err)
	}
	r.cur = edge{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:]), int32(binary.LittleEndian.Uint32(b[16:]))}
	return true, nil
}

type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return cmpEdge(h[i].cur, h[j].cur) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns visits every edge of every run in order.
func (s *spill) mergeRuns(visit func(edge)) error {
	var h runHeap
	defer func() {
		for _, r := range h {
			r.f.Close()
		}
	}()
	for _, name := range s.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("spill: %w", err)
		}
		r := &runReader{r: bufio.NewReaderSize(f, 1<<15), f: f}
		ok, err := r.next()
		if err != nil {
			f.Close()
			return err
		}
		if !ok {
			f.Close()
			continue
		}
		h = append(h, r)
	}
	heap.Init(&h)
	for h.Len() > 0 {
		r := h[0]
		visit(r.cur)
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			r.f.Close()
			heap.Pop(&h)
		}
	}
	return nil
}

// spilled is one row read back (its lead without Keys).
type spilled struct {
	lead mapping.Lead
	raw  []string
	keys []sinks.Key
}

// spillReads counts the rows scans have read (tests count passes).
var spillReads atomic.Int64

// scan visits each group once, in the order of its first row, with the
// group's rows in file order. A group skip reports true for (by its
// first row's number in the spill) is passed over unread.
func (s *spill) scan(skip func(root int32) bool, fn func(root int32, rows []spilled) error) error {
	f, err := os.Open(s.data.Name())
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var buf []byte
	m := 0 // next pair in members
	group := make([]spilled, 0, 4)
	for i := range int32(s.parent.len()) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return fmt.Errorf("spill: row %d: %w", i, err)
		}
		if s.parent.at(i) != i || (skip != nil && skip(i)) {
			// Merged into an earlier row (read with its group), or a
			// group passed over.
			if _, err := r.Discard(int(n)); err != nil {
				return fmt.Errorf("spill: %w", err)
			}
			if s.parent.at(i) == i { // passed over: its members too
				for m < len(s.members) && s.members[m].root == i {
					m++
				}
			}
			continue
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("spill: %w", err)
		}
		one, err := decodeRow(buf)
		if err != nil {
			return err
		}
		group = append(group[:0], one)
		for ; m < len(s.members) && s.members[m].root == i; m++ {
			row, err := s.readAt(f, s.members[m].row)
			if err != nil {
				return err
			}
			group = append(group, row)
		}
		spillReads.Add(int64(len(group)))
		if err := fn(i, group); err != nil {
			return err
		}
	}
	return nil
}

// readAt reads one row's record by its number.
func (s *spill) readAt(f *os.File, row int32) (spilled, error) {
	var b [8]byte
	if _, err := s.offs.ReadAt(b[:], int64(row)*8); err != nil {
		return spilled{}, fmt.Errorf("spill: offset of row %d: %w", row, err)
	}
	off := int64(binary.LittleEndian.Uint64(b[:]))
	var hdr [binary.MaxVarintLen64]byte
	n, err := f.ReadAt(hdr[:], off)
	if err != nil && (err != io.EOF || n == 0) {
		return spilled{}, fmt.Errorf("spill: %w", err)
	}
	size, w := binary.Uvarint(hdr[:n])
	if w <= 0 {
		return spilled{}, fmt.Errorf("spill: a damaged record at %d", off)
	}
	rec := make([]byte, size)
	if _, err := f.ReadAt(rec, off+int64(w)); err != nil {
		return spilled{}, fmt.Errorf("spill: %w", err)
	}
	return decodeRow(rec)
}

func putString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = putString(b, s)
	}
	return b
}

// encodeRow appends a row's record: what grouping, planning and the
// reports need of it (the lead's Keys are not kept: keys, the sink's
// form of them, are). The source cells come first; a mapped value that
// equals one of them, or a key's value that equals a mapped value (most
// do: columns mapped as they are, normalized phones and e-mails), is a
// reference to it, not a copy: the spill, written once and read twice,
// is about a third smaller. h learns which cell each value tends to equal.
func encodeRow(b []byte, lead mapping.Lead, raw []string, keys []sinks.Key, h *refHints) []byte {
	b = binary.AppendUvarint(b, uint64(lead.Row))
	b = putStrings(b, raw)
	b = binary.AppendUvarint(b, uint64(len(lead.Values)))
	for i, v := range lead.Values {
		b = putRef(b, v, h.find(&h.values, i, v, raw))
	}
	b = putStrings(b, lead.Missing)
	b = putString(b, lead.MissingColumn)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for i, k := range keys {
		b = putString(b, k.Field)
		b = putString(b, k.Kind)
		b = putRef(b, k.Value, h.find(&h.keys, i, k.Value, lead.Values))
	}
	h.rows++
	return b
}

// putRef appends v as the index of the item it equals (ref ≥ 0) or
// itself: one uvarint, odd for a reference, twice the length for text.
func putRef(b []byte, v string, ref int) []byte {
	if ref >= 0 {
		return binary.AppendUvarint(b, uint64(2*ref+1))
	}
	b = binary.AppendUvarint(b, uint64(2*len(v)))
	return append(b, v...)
}

// refHints are, for each place in a record's values and keys, the item
// of the list before it that the place held last (-1: none). The first
// rows search the list; later ones only check the hint, so a value that
// equals nothing costs one comparison.
type refHints struct {
	values, keys []int
	rows         int
}

// refSearchRows is how many rows search for what a place equals.
const refSearchRows = 64

// find is the index in list of v (place i of hints), or -1.
func (h *refHints) find(hints *[]int, i int, v string, list []string) int {
	if v == "" {
		return -1
	}
	for len(*hints) <= i {
		*hints = append(*hints, -1)
	}
	if j := (*hints)[i]; j >= 0 && j < len(list) && list[j] == v {
		return j
	}
	if h.rows < refSearchRows {
		for j, c := range list {
			if c == v {
				(*hints)[i] = j
				return j
			}
		}
	}
	return -1
}

// rowDecoder reads a record; the first error sticks. Every string it
// gives is a slice of s, the record's one copy: one allocation for all of
// a row's text.
type rowDecoder struct {
	b     []byte
	s     string // b as text
	at    int    // where in b (and s) the next item starts
	err   error
	arena []string // what strs hands out next
}

func (d *rowDecoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.at:])
	if n <= 0 || v > 1<<31-1 { // rows and lengths are int32s
		d.err = errors.New("spill: a damaged record")
		return 0
	}
	d.at += n
	return int(v)
}

func (d *rowDecoder) str() string { return d.text(d.uvarint()) }

// text is the next n bytes, as text.
func (d *rowDecoder) text(n int) string {
	if d.err != nil || n > len(d.b)-d.at {
		d.err = errors.New("spill: a damaged record")
		return ""
	}
	s := d.s[d.at : d.at+n]
	d.at += n
	return s
}

// ref reads what putRef wrote, an item of list or text.
func (d *rowDecoder) ref(list []string) string {
	t := d.uvarint()
	if t%2 == 1 {
		if j := t / 2; j < len(list) {
			return list[j]
		}
		d.err = errors.New("spill: a damaged record")
		return ""
	}
	return d.text(t / 2)
}

// refs reads a list of putRef items.
func (d *rowDecoder) refs(list []string) []string {
	out := d.list()
	for i := range out {
		out[i] = d.ref(list)
	}
	if d.err != nil {
		return nil
	}
	return out
}

// strs reads a list; empty lists read as nil, as mapping leaves them.
func (d *rowDecoder) strs() []string {
	out := d.list()
	for i := range out {
		out[i] = d.str()
	}
	if d.err != nil {
		return nil
	}
	return out
}

// list reads a list's length and gives it its place in the arena.
func (d *rowDecoder) list() []string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	if n > len(d.b)-d.at { // each item takes a byte at least
		d.err = errors.New("spill: a damaged record")
		return nil
	}
	if len(d.arena) < n {
		// One array for a row's lists (its values, keys and cells take
		// about twice the values'), each list its part, capped.
		d.arena = make([]string, max(n, min(2*n+8, len(d.b)-d.at)))
	}
	out := d.arena[:n:n]
	d.arena = d.arena[n:]
	return out
}

func decodeRow(b []byte) (spilled, error) {
	d := &rowDecoder{b: b, s: string(b)}
	var r spilled
	r.lead.Row = d.uvarint()
	r.raw = d.strs()
	r.lead.Values = d.refs(r.raw)
	r.lead.Missing = d.strs()
	r.lead.MissingColumn = d.str()
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > len(d.b)-d.at {
			return spilled{}, errors.New("spill: a damaged record")
		}
		r.keys = make([]sinks.Key, n)
		for i := range r.keys {
			r.keys[i] = sinks.Key{Field: d.str(), Kind: d.str(), Value: d.ref(r.lead.Values)}
		}
	}
	if d.err != nil {
		return spilled{}, d.err
	}
	return r, nil
}

// rowInts is one int32 per row in fixed chunks, so growing it never
// copies (a slice's regrowth holds the old and the new array at once).
// The chunks live outside the Go heap (offheap): the collector would
// let a heap array that lives as long as the run cost twice its size.
type rowInts struct {
	chunks [][]int32
	frees  []func()
	n      int
}

const rowChunk = 1 << 16

func (t *rowInts) len() int { return t.n }

func (t *rowInts) add(v int32) {
	if t.n%rowChunk == 0 {
		c, free := offheap.Make[int32](rowChunk)
		t.chunks = append(t.chunks, c[:0])
		t.frees = append(t.frees, free)
	}
	c := &t.chunks[len(t.chunks)-1]
	*c = append(*c, v)
	t.n++
}

func (t *rowInts) at(i int32) int32 { return t.chunks[i/rowChunk][i%rowChunk] }

func (t *rowInts) set(i, v int32) { t.chunks[i/rowChunk][i%rowChunk] = v }

// free gives the chunks back; t is empty after it.
func (t *rowInts) free() {
	for _, f := range t.frees {
		f()
	}
	*t = rowInts{}
}
