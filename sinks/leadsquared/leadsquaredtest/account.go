package leadsquaredtest

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// idStart is where every per-type counter starts, so ids never look like
// list indexes.
const idStart = 1000

// GUID prefixes per record type: ids are deterministic GUIDs built from a
// counter, and the first group tells the type apart when reading a log.
const (
	leadIDPrefix     = "1ead0000"
	activityIDPrefix = "ca110000"
	popupIDPrefix    = "9a9e0000"
)

func counterGUID(prefix string, n int) string {
	return fmt.Sprintf("%s-0000-4000-8000-%012d", prefix, n)
}

// account is the emulator's whole state; Emulator guards it with its mutex.
type account struct {
	countryCode  string // digits, e.g. "91"
	keys         map[string]AccessKey
	keyOrder     []string
	users        map[string]User // by normID
	userOrder    []string
	leads        []*Lead // by ProspectAutoId
	leadByID     map[string]*Lead
	customFields []string
	callLogs     []CallLog
	popups       []Popup

	nextLead, nextAutoID, nextActivity, nextPopup int
}

func newAccount(f Fixtures, now time.Time) (*account, error) {
	a := &account{
		keys:         map[string]AccessKey{},
		users:        map[string]User{},
		leadByID:     map[string]*Lead{},
		nextLead:     idStart,
		nextAutoID:   idStart,
		nextActivity: idStart,
		nextPopup:    idStart,
	}
	if f.DefaultCountryCode == "" {
		return nil, fmt.Errorf("leadsquaredtest: fixtures: DefaultCountryCode is required")
	}
	if err := a.add(f, now); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *account) clone() *account {
	b := *a
	b.keys = maps.Clone(a.keys)
	b.keyOrder = append([]string(nil), a.keyOrder...)
	b.users = maps.Clone(a.users)
	b.userOrder = append([]string(nil), a.userOrder...)
	b.customFields = append([]string(nil), a.customFields...)
	b.callLogs = append([]CallLog(nil), a.callLogs...)
	b.popups = append([]Popup(nil), a.popups...)
	b.leads = make([]*Lead, len(a.leads))
	b.leadByID = make(map[string]*Lead, len(a.leads))
	for i, l := range a.leads {
		c := l.clone()
		b.leads[i] = &c
		b.leadByID[normID(c.ProspectID)] = &c
	}
	return &b
}

// add loads fixtures on top of what is there. It may leave a half-applied
// state on error; callers apply it to a clone.
func (a *account) add(f Fixtures, now time.Time) error {
	if f.DefaultCountryCode != "" {
		cc, err := countryCodeDigits(f.DefaultCountryCode)
		if err != nil {
			return err
		}
		a.countryCode = cc
	}
	for _, name := range f.CustomFields {
		if !strings.HasPrefix(name, "mx_") {
			return fmt.Errorf("leadsquaredtest: fixtures: custom field %q: schema names of custom fields start with mx_", name)
		}
		if !a.knownAttribute(name) {
			a.customFields = append(a.customFields, name)
		}
	}
	for _, u := range f.Users {
		if !isGUID(u.ID) {
			return fmt.Errorf("leadsquaredtest: fixtures: user id %q is not a GUID", u.ID)
		}
		id := normID(u.ID)
		if _, dup := a.users[id]; dup {
			return fmt.Errorf("leadsquaredtest: fixtures: user %s twice", u.ID)
		}
		u.ID = id
		a.users[id] = u
		a.userOrder = append(a.userOrder, id)
	}
	for _, k := range f.AccessKeys {
		if k.AccessKey == "" || k.SecretKey == "" {
			return fmt.Errorf("leadsquaredtest: fixtures: access key pair %q has an empty key", k.AccessKey)
		}
		if _, dup := a.keys[k.AccessKey]; dup {
			return fmt.Errorf("leadsquaredtest: fixtures: access key %q twice", k.AccessKey)
		}
		if _, ok := a.users[normID(k.UserID)]; !ok {
			return fmt.Errorf("leadsquaredtest: fixtures: access key %q belongs to unknown user %q", k.AccessKey, k.UserID)
		}
		a.keys[k.AccessKey] = k
		a.keyOrder = append(a.keyOrder, k.AccessKey)
	}
	for _, l := range f.Leads {
		l = l.clone()
		if l.ProspectID == "" {
			l.ProspectID = counterGUID(leadIDPrefix, a.nextLead)
			a.nextLead++
		}
		if !isGUID(l.ProspectID) {
			return fmt.Errorf("leadsquaredtest: fixtures: lead id %q is not a GUID", l.ProspectID)
		}
		l.ProspectID = normID(l.ProspectID)
		if _, dup := a.leadByID[l.ProspectID]; dup {
			return fmt.Errorf("leadsquaredtest: fixtures: lead %s twice", l.ProspectID)
		}
		if l.EmailAddress != "" && a.leadWithEmail(l.EmailAddress) != nil {
			return fmt.Errorf("leadsquaredtest: fixtures: lead %s: %s", l.ProspectID, dupEmailMessage)
		}
		if l.Phone != "" && a.leadWithPhone(l.Phone) != nil {
			return fmt.Errorf("leadsquaredtest: fixtures: lead %s: %s", l.ProspectID, dupPhoneMessage)
		}
		if l.OwnerID != "" {
			l.OwnerID = normID(l.OwnerID)
		}
		if l.CreatedBy != "" {
			l.CreatedBy = normID(l.CreatedBy)
		}
		if l.CreatedOn.IsZero() {
			l.CreatedOn = now
		}
		if l.ProspectStage == "" {
			l.ProspectStage = "Prospect"
		}
		if l.ProspectAutoID == 0 {
			l.ProspectAutoID = a.nextAutoID
			a.nextAutoID++
		} else if l.ProspectAutoID >= a.nextAutoID {
			a.nextAutoID = l.ProspectAutoID + 1
		}
		a.insertLead(&l)
	}
	return nil
}

func (a *account) insertLead(l *Lead) {
	i := sort.Search(len(a.leads), func(i int) bool { return a.leads[i].ProspectAutoID > l.ProspectAutoID })
	a.leads = append(a.leads, nil)
	copy(a.leads[i+1:], a.leads[i:])
	a.leads[i] = l
	a.leadByID[l.ProspectID] = l
}

// newLead stores a lead made by an API call and returns it.
func (a *account) newLead(l Lead, now time.Time) *Lead {
	l.ProspectID = counterGUID(leadIDPrefix, a.nextLead)
	a.nextLead++
	l.ProspectAutoID = a.nextAutoID
	a.nextAutoID++
	l.CreatedOn = now
	if l.ProspectStage == "" {
		l.ProspectStage = "Prospect"
	}
	a.insertLead(&l)
	return &l
}

func (a *account) newActivityID() string {
	id := counterGUID(activityIDPrefix, a.nextActivity)
	a.nextActivity++
	return id
}

func (a *account) newPopupID() string {
	id := counterGUID(popupIDPrefix, a.nextPopup)
	a.nextPopup++
	return id
}

func (a *account) leadWithEmail(email string) *Lead {
	want := strings.TrimSpace(email)
	for _, l := range a.leads {
		if l.EmailAddress != "" && strings.EqualFold(strings.TrimSpace(l.EmailAddress), want) {
			return l
		}
	}
	return nil
}

// leadWithPhone finds a lead whose Phone (the unique field) is the same
// number as phone.
func (a *account) leadWithPhone(phone string) *Lead {
	for _, l := range a.leads {
		if l.Phone != "" && samePhone(l.Phone, phone, a.countryCode) {
			return l
		}
	}
	return nil
}

// leadByNumber finds the lead whose Phone or Mobile is number; when
// several match, the one with the most recent activity (ties: the newest
// lead).
func (a *account) leadByNumber(number string) *Lead {
	var best *Lead
	for _, l := range a.leads {
		if !samePhone(l.Phone, number, a.countryCode) && !samePhone(l.Mobile, number, a.countryCode) {
			continue
		}
		if best == nil || !l.activityTime().Before(best.activityTime()) {
			best = l
		}
	}
	return best
}

func (a *account) knownAttribute(name string) bool {
	if standardAttribute(name) {
		return true
	}
	for _, c := range a.customFields {
		if c == name {
			return true
		}
	}
	return false
}

func (a *account) userList() []User {
	out := make([]User, 0, len(a.userOrder))
	for _, id := range a.userOrder {
		out = append(out, a.users[id])
	}
	return out
}

func (a *account) leadList() []Lead {
	out := make([]Lead, len(a.leads))
	for i, l := range a.leads {
		out[i] = l.clone()
	}
	return out
}

func (a *account) callLogList() []CallLog { return append([]CallLog{}, a.callLogs...) }
func (a *account) popupList() []Popup     { return append([]Popup{}, a.popups...) }

// normID is the form ids are stored and compared in: GUIDs are
// case-insensitive.
func normID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
