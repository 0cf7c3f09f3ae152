package xlsxfile

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/leadsync/leadsync/sources"
)

// ErrDamaged: the workbook's XML or compressed data is broken. The message
// names the sheet and the last row that could be read whole.
var ErrDamaged = errors.New("damaged workbook")

// ErrEncrypted: the workbook is password-protected.
var ErrEncrypted = errors.New("encrypted workbook")

// precheck looks at the file before excelize does: what kind of file it
// is, and the sizes its zip directory declares (which archive/zip enforces
// while unpacking, so a part cannot unpack to more than it declares).
// It returns the length of each shared string, and the size over which
// excelize is to stream a sheet or the shared strings from a temp file.
func precheck(p string, lim sources.Limits) (wb workbookInfo, err error) {
	return wb, precheckInto(p, lim, &wb)
}

// workbookInfo is what precheck learnt.
type workbookInfo struct {
	lens     []int32 // each shared string's length
	xmlLimit int64   // excelize's UnzipXMLSizeLimit
}

// sharedInMemory is the most shared strings excelize may decode into
// memory (about 400 bytes each); a larger table is streamed.
const sharedInMemory = 150_000

func precheckInto(p string, lim sources.Limits, wb *workbookInfo) error {
	f, fi, err := sources.OpenFile(p)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case n == 0:
		return fmt.Errorf("%s: %w: the file is empty (0 bytes), not an .xlsx workbook", p, zip.ErrFormat)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		if oleEncrypted(f, fi.Size()) {
			return fmt.Errorf("%s: %w: the workbook is password-protected; open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, clear it), save, and run again", p, ErrEncrypted)
		}
		return fmt.Errorf("%s: %w: it is an old Excel 97-2003 .xls file (OLE2), not .xlsx; open it in Excel and save it as .xlsx or CSV", p, zip.ErrFormat)
	case !bytes.HasPrefix(head, []byte("PK")):
		kind := "not a zip archive"
		if isText(head) {
			kind = "text, not a zip archive (a CSV file named .xlsx? then set source.type: csv)"
		}
		return fmt.Errorf("%s: %w: not an .xlsx workbook: it is %s", p, zip.ErrFormat, kind)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return fmt.Errorf("%s: %w (the .xlsx archive is damaged or not a workbook; open and re-save it in Excel)", p, err)
	}
	if int64(len(zr.File)) > lim.MaxParts {
		return fmt.Errorf("%s: %w: the archive holds %d parts, more than %d (source.limits.max_parts)", p, sources.ErrLimit, len(zr.File), lim.MaxParts)
	}
	var total uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		total += size
		limit, opt := lim.MaxPartBytes, "max_part"
		switch name := strings.ToLower(zf.Name); {
		case strings.HasPrefix(name, "xl/worksheets/sheet"):
			limit, opt = lim.MaxSheetBytes, "max_sheet"
		case name == "xl/sharedstrings.xml":
			limit, opt = lim.MaxSharedStringsBytes, "max_shared_strings_size"
		}
		if size > uint64(limit) {
			return fmt.Errorf("%s: %w: part %s unpacks to %s, more than %s (source.limits.%s); a real workbook's parts are far smaller",
				p, sources.ErrLimit, zf.Name, sizeName(size), sizeName(uint64(limit)), opt)
		}
		if total > uint64(lim.MaxUnzipBytes) {
			return fmt.Errorf("%s: %w: the workbook unpacks to more than %s (source.limits.max_unzip)", p, sources.ErrLimit, sizeName(uint64(lim.MaxUnzipBytes)))
		}
	}
	if zf := find(zr, "xl/sharedStrings.xml"); zf != nil {
		l, err := checkSharedStrings(p, zf, lim)
		if err != nil {
			return err
		}
		wb.lens = l
	}
	if err := checkDecodedParts(p, zr, lim); err != nil {
		return err
	}
	return inMemory(p, zr, lim, wb)
}

// checkDecodedParts counts the elements of the parts excelize decodes whole
// into memory (a few hundred bytes each there, however short in the file:
// 32 MiB of <xf/> took gigabytes).
func checkDecodedParts(p string, zr *zip.Reader, lim sources.Limits) error {
	buf := make([]byte, 32<<10)
	for _, zf := range zr.File {
		name := strings.ToLower(zf.Name)
		if name != "xl/styles.xml" && name != "xl/workbook.xml" && name != "[content_types].xml" &&
			name != "xl/_rels/workbook.xml.rels" && !strings.HasPrefix(name, "xl/theme/") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s: %w: %s: %v", p, ErrDamaged, zf.Name, err)
		}
		var n int64
		for {
			k, err := rc.Read(buf)
			n += int64(bytes.Count(buf[:k], []byte{'<'}) - bytes.Count(buf[:k], []byte("</")))
			if n > lim.MaxPartElements {
				rc.Close()
				return fmt.Errorf("%s: %w: part %s holds more than %d XML elements (source.limits.max_part_elements); a real workbook's are far fewer", p, sources.ErrLimit, zf.Name, lim.MaxPartElements)
			}
			if err != nil {
				break
			}
		}
		rc.Close()
	}
	return nil
}

// inMemory picks excelize's UnzipXMLSizeLimit: parts up to it are held in
// memory, larger sheets and shared strings go to temp files. A table of
// many shared strings, or parts adding up past max_in_memory, streams more;
// the other parts (styles, media, ...) are always held, and must fit.
func inMemory(p string, zr *zip.Reader, lim sources.Limits, wb *workbookInfo) error {
	wb.xmlLimit = min(lim.MaxPartBytes, 16<<20)
	if zf := find(zr, "xl/sharedStrings.xml"); zf != nil && len(wb.lens) > sharedInMemory {
		wb.xmlLimit = max(1, min(wb.xmlLimit, int64(zf.UncompressedSize64)-1))
	}
	held := func(limit int64) (n uint64) {
		for _, zf := range zr.File {
			name := strings.ToLower(zf.Name)
			streamed := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
			if !streamed || zf.UncompressedSize64 <= uint64(limit) {
				n += zf.UncompressedSize64
			}
		}
		return n
	}
	if held(wb.xmlLimit) <= uint64(lim.MaxInMemoryBytes) {
		return nil
	}
	wb.xmlLimit = min(wb.xmlLimit, 64<<10)
	if n := held(wb.xmlLimit); n > uint64(lim.MaxInMemoryBytes) {
		return fmt.Errorf("%s: %w: the parts held in memory (all but the sheets and shared strings) unpack to %s, more than %s (source.limits.max_in_memory); a real workbook's are far smaller",
			p, sources.ErrLimit, sizeName(n), sizeName(uint64(lim.MaxInMemoryBytes)))
	}
	return nil
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0D && c < 0x20) {
			return false
		}
	}
	return true
}

// oleEncrypted looks for the EncryptedPackage stream name (UTF-16LE) in an
// OLE2 file's first megabytes: how Office stores a password-protected .xlsx.
func oleEncrypted(f *os.File, size int64) bool {
	name := utf16le("EncryptedPackage")
	info := utf16le("EncryptionInfo")
	buf := make([]byte, min(size, 16<<20))
	n, _ := f.ReadAt(buf, 0)
	buf = buf[:n]
	return bytes.Contains(buf, name) || bytes.Contains(buf, info)
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func find(zr *zip.Reader, name string) *zip.File {
	for _, zf := range zr.File {
		if strings.EqualFold(zf.Name, name) {
			return zf
		}
	}
	return nil
}

// checkSharedStrings counts the table's entries in one streaming pass,
// refuses a DTD and an entry longer than max_field, and returns each
// entry's length.
func checkSharedStrings(p string, zf *zip.File, lim sources.Limits) ([]int32, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: shared strings: %v", p, ErrDamaged, err)
	}
	defer rc.Close()
	br := sharedBoundReader(rc, lim)
	d := xml.NewDecoder(br)
	d.Strict = true
	var count int64
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return br.lens[:min(len(br.lens), int(count))], nil
		}
		if err != nil {
			if tooLong := (*errValueTooLong)(nil); errors.As(err, &tooLong) {
				return nil, limitError(p, "the shared-strings table", tooLong)
			}
			return nil, fmt.Errorf("%s: %w: the shared-strings table is broken after %d entries (%v); open and re-save the workbook in Excel", p, ErrDamaged, count, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("%s: %w: the shared-strings table holds a DTD or entity declaration, which leadsync refuses; re-save the workbook in Excel", p, ErrDamaged)
		case xml.StartElement:
			if t.Name.Local == "si" {
				if count++; count > lim.MaxSharedStrings {
					return nil, fmt.Errorf("%s: %w: more than %d shared strings (source.limits.max_shared_strings)", p, sources.ErrLimit, lim.MaxSharedStrings)
				}
			}
		}
	}
}

// maxSheetRows is Excel's last row.
const maxSheetRows = 1 << 20

// sheetCheck is what a streaming pass over a worksheet's XML found.
type sheetCheck struct {
	lastRow int // the sheet row number of the last row element
}

// checkSheet reads the worksheet part to its end, before excelize reads
// it: excelize v2.11.0 stops silently at the first XML error, so a
// truncated, corrupt (bad CRC, broken deflate) or DTD-bearing sheet would
// otherwise lose its remaining rows without a word. It also checks that
// every shared-string index is in the table, and that end tags match (as
// excelize's decoder requires). scanSheet vouches for a regular sheet in
// one cheap pass; anything it cannot vouch for is decoded again by
// decodeSheet, which decides and names the damage.
//
// bound wraps the part's reader for both (sheetBoundReader: no value is
// held before its size is known).
func checkSheet(p, sheet, part string, nStrings int, bound func(io.Reader) io.Reader) (sheetCheck, error) {
	var res sheetCheck
	zr, err := zip.OpenReader(p)
	if err != nil {
		return res, fmt.Errorf("%s: %w", p, err)
	}
	defer zr.Close()
	zf := find(&zr.Reader, part)
	if zf == nil {
		return res, fmt.Errorf("%s: %w: sheet %q: part %s is missing from the archive", p, ErrDamaged, sheet, part)
	}
	rc, err := zf.Open()
	if err != nil {
		return res, fmt.Errorf("%s: %w: sheet %q: %v", p, ErrDamaged, sheet, err)
	}
	res, ok := scanSheet(bound(rc), nStrings)
	rc.Close()
	if ok {
		return res, nil
	}
	if rc, err = zf.Open(); err != nil {
		return res, fmt.Errorf("%s: %w: sheet %q: %v", p, ErrDamaged, sheet, err)
	}
	defer rc.Close()
	return decodeSheet(p, sheet, bound(rc), nStrings)
}

// decodeSheet is the whole check with encoding/xml's strict decoder.
func decodeSheet(p, sheet string, rc io.Reader, nStrings int) (sheetCheck, error) {
	var res sheetCheck
	d := xml.NewDecoder(rc)
	d.Strict = true
	good, cur, col := 0, 0, 0 // col: the column of the row's last cell
	inRow, inV, sharedCell := false, false, false
	cellRef := ""
	var open []xml.Name // the elements not closed yet
	damaged := func(why string) error {
		return fmt.Errorf("%s: %w: sheet %q is damaged after row %d, the last good row (%s); nothing was read. Open the file in Excel, let it repair the sheet, save, and run again",
			p, ErrDamaged, sheet, good, why)
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLong := (*errValueTooLong)(nil); errors.As(err, &tooLong) {
				return res, limitError(p, fmt.Sprintf("sheet %q", sheet), tooLong)
			}
			return res, damaged(err.Error())
		}
		switch t := tok.(type) {
		case xml.Directive:
			return res, damaged("the sheet holds a DTD or entity declaration, which leadsync refuses")
		case xml.StartElement:
			open = append(open, t.Name)
			switch t.Name.Local {
			case "row":
				inRow, col = true, 0
				cur++
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						n, err := strconv.Atoi(a.Value)
						if err != nil || n <= good || n > maxSheetRows {
							return res, damaged(fmt.Sprintf("row number %q is not after row %d, or beyond Excel's last row %d", a.Value, good, maxSheetRows))
						}
						cur = n
					}
				}
			case "c":
				sharedCell, cellRef = false, ""
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "t":
						sharedCell = a.Value == "s"
					case "r":
						cellRef = a.Value
					}
				}
				if err := checkCellOrder(inRow, cur, cellRef, &col); err != "" {
					return res, damaged(err)
				}
			case "v":
				inV = true
			}
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != t.Name {
				return res, damaged(fmt.Sprintf("element </%s> closes no open element of that name", rawName(t.Name)))
			}
			open = open[:len(open)-1]
			switch t.Name.Local {
			case "row":
				if inRow {
					good = cur
				}
				inRow = false
			case "v":
				inV = false
			case "worksheet":
				res.lastRow = good
				return res, nil
			}
		case xml.CharData:
			if inV && sharedCell {
				n, err := strconv.Atoi(strings.TrimSpace(string(t)))
				if err != nil || n < 0 || n >= nStrings {
					return res, fmt.Errorf("%s: %w: sheet %q, cell %s: shared-string index %q is not in the table (it has %d strings); the workbook is damaged: open and re-save it in Excel",
						p, ErrDamaged, sheet, cellRef, strings.TrimSpace(string(t)), nStrings)
				}
			}
		}
	}
	return res, damaged("the sheet's XML ends before </worksheet>: the file is truncated")
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// checkCellOrder checks a cell's reference against its row: excelize
// places a cell by its position among the row's cells once a cell comes
// left of its predecessor, so cells out of order (B2 before A2) or twice
// (B2, B2) would shift values into the wrong columns without a word; and a
// reference to another row (A7 inside row 3) is read as row 3. Excel
// writes neither. A cell without a reference is the one right of the
// previous; a reference excelize cannot read is left to it.
func checkCellOrder(inRow bool, row int, ref string, col *int) string {
	if !inRow {
		return ""
	}
	*col++
	if ref == "" {
		return ""
	}
	c, r, err := excelize.CellNameToCoordinates(ref)
	if err != nil {
		return ""
	}
	if r != row {
		return fmt.Sprintf("cell %s is inside row %d", ref, row)
	}
	if c < *col {
		return fmt.Sprintf("cell %s comes after cell %s%d, not right of it", ref, columnLetter(*col-2), row)
	}
	*col = c
	return ""
}

// sheetPart finds the zip part of a sheet through the workbook and its
// relationships.
func sheetPart(p, sheet string) (string, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	defer zr.Close()
	var wb struct {
		Sheets []struct {
			Name string     `xml:"name,attr"`
			Attr []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	for _, x := range []struct {
		name string
		v    any
	}{{"xl/workbook.xml", &wb}, {"xl/_rels/workbook.xml.rels", &rels}} {
		zf := find(&zr.Reader, x.name)
		if zf == nil {
			return "", fmt.Errorf("%s: %w: part %s is missing", p, ErrDamaged, x.name)
		}
		rc, err := zf.Open()
		if err != nil {
			return "", fmt.Errorf("%s: %w: %s: %v", p, ErrDamaged, x.name, err)
		}
		err = xml.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(x.v)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w: %s: %v", p, ErrDamaged, x.name, err)
		}
	}
	for _, sh := range wb.Sheets {
		if sh.Name != sheet {
			continue
		}
		for _, a := range sh.Attr {
			if a.Name.Local != "id" {
				continue
			}
			for _, r := range rels.Rel {
				if r.ID == a.Value {
					t := r.Target
					if strings.HasPrefix(t, "/") {
						return strings.TrimPrefix(t, "/"), nil
					}
					return path.Clean(path.Join("xl", t)), nil
				}
			}
		}
	}
	return "", fmt.Errorf("%s: %w: sheet %q has no part in the workbook's relationships", p, ErrDamaged, sheet)
}

func sizeName(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
