package leaddesktest

import (
	"slices"
	"testing"
)

// A find by phone goes through the phone index: it sees contacts added
// after the index was built and a changed phone under its new value only,
// in ID order, as a scan of every contact would.
func TestFindByPhoneIndex(t *testing.T) {
	st := emptyState()
	st.lists[1] = CallingList{ID: 1}
	find := func(phone string) []int64 {
		t.Helper()
		ids, err := matchContacts(st, &request{params: map[string]string{"phone": phone}})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for _, c := range []*Contact{{ID: 3, ListID: 1, Phone: "+358 40 1"}, {ID: 1, ListID: 1, Phone: "+358401"}} {
		if err := st.addContact(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := find("+358401"); !slices.Equal(got, []int64{1, 3}) {
		t.Fatalf("find: %v, want [1 3]", got)
	}
	if err := st.addContact(&Contact{ID: 2, ListID: 1, Phone: "+358-401"}); err != nil {
		t.Fatal(err)
	}
	st.setPhone(st.contacts[3], "+358402")
	if got := find("+358401"); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("after an add and a phone change: %v, want [1 2]", got)
	}
	if got := find("+358402"); !slices.Equal(got, []int64{3}) {
		t.Errorf("the changed phone: %v, want [3]", got)
	}
	if c := st.clone(); c.byPhone != nil {
		t.Error("a copy shares the index")
	}
}
