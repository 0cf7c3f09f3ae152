package header

import (
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/sources"
)

func label(i int) string { return strconv.Itoa(i + 1) }

func TestNames(t *testing.T) {
	got, err := Names("f.csv", 1, []string{" Name ", "E-mail\t", "", "  "}, label)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Name", "E-mail"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Names equal once trimmed are duplicates.
	_, err = Names("f.csv", 2, []string{"Name", "Email", "Name "}, label)
	var he *sources.HeaderError
	if !errors.As(err, &he) || !errors.Is(err, sources.ErrDuplicateHeader) || he.Row != 2 || he.Column != "3" {
		t.Errorf("duplicate: %#v", err)
	}

	_, err = Names("f.csv", 1, []string{"", ""}, label)
	if !errors.Is(err, sources.ErrNoHeader) {
		t.Errorf("all blank: %v", err)
	}
}
