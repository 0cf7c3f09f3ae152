package leadsquaredtest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

const (
	dupEmailMessage = "A Lead with same Email Address already exists."
	dupPhoneMessage = "A Lead with same Phone Number already exists."
)

// leadTimeLayout is how the lead APIs print dates: UTC, milliseconds.
const leadTimeLayout = "2006-01-02 15:04:05.000"

// Lead is a stored lead. The JSON names are LeadSquared's schema names,
// so a fixture reads like the vendor's lead objects; the lookup APIs
// answer with the vendor's own (larger) shape.
type Lead struct {
	ProspectID     string `json:"ProspectID,omitempty"`
	ProspectAutoID int    `json:"ProspectAutoId,omitempty"`
	FirstName      string `json:"FirstName,omitempty"`
	LastName       string `json:"LastName,omitempty"`
	EmailAddress   string `json:"EmailAddress,omitempty"`
	Phone          string `json:"Phone,omitempty"` // unique
	Mobile         string `json:"Mobile,omitempty"`
	Company        string `json:"Company,omitempty"`
	Source         string `json:"Source,omitempty"`
	Origin         string `json:"Origin,omitempty"`
	ProspectStage  string `json:"ProspectStage,omitempty"`
	OwnerID        string `json:"OwnerId,omitempty"`
	CreatedBy      string `json:"CreatedBy,omitempty"`
	// Attributes holds every other field set on the lead: the optional
	// standard ones (Notes, Website, DoNotCall, …) and custom mx_* fields.
	Attributes map[string]string `json:"Attributes,omitempty"`
	CreatedOn  time.Time         `json:"CreatedOn,omitzero"`
	// ModifiedOn and ModifiedBy are set by Lead.Update; zero until then
	// (the lookups then print CreatedOn and CreatedBy).
	ModifiedOn time.Time `json:"ModifiedOn,omitzero"`
	ModifiedBy string    `json:"ModifiedBy,omitempty"`
	// The latest activity on the lead (a logged call counts as one).
	LastActivityID   string    `json:"LastActivityId,omitempty"`
	LastActivityName string    `json:"LastActivityName,omitempty"`
	LastActivityOn   time.Time `json:"LastActivityOn,omitzero"`
}

func (l Lead) clone() Lead {
	l.Attributes = maps.Clone(l.Attributes)
	return l
}

// activityTime is when the lead was last active: creation counts.
func (l *Lead) activityTime() time.Time {
	if l.LastActivityOn.After(l.CreatedOn) {
		return l.LastActivityOn
	}
	return l.CreatedOn
}

// slot returns the struct field a standard attribute lives in, or nil for
// attributes kept in Attributes.
func (l *Lead) slot(attr string) *string {
	switch attr {
	case "FirstName":
		return &l.FirstName
	case "LastName":
		return &l.LastName
	case "EmailAddress":
		return &l.EmailAddress
	case "Phone":
		return &l.Phone
	case "Mobile":
		return &l.Mobile
	case "Company":
		return &l.Company
	case "Source":
		return &l.Source
	case "Origin":
		return &l.Origin
	case "ProspectStage":
		return &l.ProspectStage
	case "OwnerId":
		return &l.OwnerID
	}
	return nil
}

// optionalStandard are the standard lead fields kept in Attributes.
var optionalStandard = []string{"Notes", "Website", "JobTitle", "SourceMedium", "SourceCampaign", "SourceContent", "DoNotEmail", "DoNotCall"}

func standardAttribute(name string) bool {
	if (&Lead{}).slot(name) != nil {
		return true
	}
	for _, s := range optionalStandard {
		if s == name {
			return true
		}
	}
	return false
}

// view is the lead as the lookup APIs return it: numbers as strings,
// unset fields as null.
func (a *account) view(l *Lead) map[string]any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	date := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(leadTimeLayout)
	}
	attr := func(name, def string) any {
		if v, ok := l.Attributes[name]; ok && v != "" {
			return v
		}
		return str(def)
	}
	modifiedOn, modifiedBy := l.CreatedOn, l.CreatedBy
	if !l.ModifiedOn.IsZero() {
		modifiedOn, modifiedBy = l.ModifiedOn, l.ModifiedBy
	}
	v := map[string]any{
		"ProspectID":               l.ProspectID,
		"ProspectAutoId":           strconv.Itoa(l.ProspectAutoID),
		"FirstName":                str(l.FirstName),
		"LastName":                 str(l.LastName),
		"EmailAddress":             str(l.EmailAddress),
		"Phone":                    str(l.Phone),
		"Mobile":                   str(l.Mobile),
		"Company":                  str(l.Company),
		"Source":                   str(l.Source),
		"Origin":                   str(l.Origin),
		"ProspectStage":            str(l.ProspectStage),
		"OwnerId":                  str(l.OwnerID),
		"CreatedBy":                str(l.CreatedBy),
		"CreatedOn":                date(l.CreatedOn),
		"ModifiedBy":               str(modifiedBy),
		"ModifiedOn":               date(modifiedOn),
		"ProspectActivityId_Max":   str(l.LastActivityID),
		"ProspectActivityName_Max": str(l.LastActivityName),
		"ProspectActivityDate_Max": date(l.LastActivityOn),
		"Score":                    "0",
		"EngagementScore":          "0",
		"StatusCode":               "0",
		"StatusReason":             "0",
		"IsLead":                   "1",
	}
	for _, name := range optionalStandard {
		def := ""
		if name == "DoNotEmail" || name == "DoNotCall" {
			def = "0"
		}
		v[name] = attr(name, def)
	}
	for _, name := range a.customFields {
		v[name] = attr(name, "")
	}
	return v
}

func (e *Emulator) writeLeads(w http.ResponseWriter, leads ...*Lead) {
	views := make([]map[string]any, 0, len(leads))
	for _, l := range leads {
		views = append(views, e.acct.view(l))
	}
	emulator.WriteJSON(w, http.StatusOK, views)
}

// leadByEmail serves GET Leads.GetByEmailaddress?emailaddress=…: an array,
// [] when no lead has the address (compared case-insensitively).
func (e *Emulator) leadByEmail(w http.ResponseWriter, r *http.Request, _ User) {
	email := strings.TrimSpace(queryValue(r, "emailaddress"))
	if email == "" {
		mandatory("EmailAddress").write(w)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if l := e.acct.leadWithEmail(email); l != nil {
		e.writeLeads(w, l)
		return
	}
	e.writeLeads(w)
}

// leadByPhone serves GET RetrieveLeadByPhoneNumber?phone=…: digits only,
// with or without the country code; matches Phone and Mobile; of several
// matches, the lead with the latest activity.
func (e *Emulator) leadByPhone(w http.ResponseWriter, r *http.Request, _ User) {
	phone := queryValue(r, "phone")
	if phone == "" {
		mandatory("Phone").write(w)
		return
	}
	if digitsOnly(phone) != phone {
		// The documentation asks for digits only; a '+' sent unescaped
		// arrives as a space.
		invalidInput("Invalid Input! Parameter Name: phone. Pass digits only, without spaces, hyphens or any other character").write(w)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if l := e.acct.leadByNumber(phone); l != nil {
		e.writeLeads(w, l)
		return
	}
	e.writeLeads(w)
}

// leadByID serves GET Leads.GetById?id=…: an array, [] for an unknown id.
func (e *Emulator) leadByID(w http.ResponseWriter, r *http.Request, _ User) {
	id := queryValue(r, "id")
	if strings.TrimSpace(id) == "" {
		mandatory("Id").write(w)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.acct.leadByID[normID(id)]; ok {
		e.writeLeads(w, l)
		return
	}
	e.writeLeads(w)
}

// attributeValue is one element of a Lead.Create body.
type attributeValue struct {
	Attribute string
	Value     string
}

// parseAttributeArray reads `[{"Attribute": "...", "Value": "..."}, …]`.
// A body of another shape is a 400; a Value that is not a string is a 500
// MXInvalidInputException. A "Fields" member (custom field sets) is
// accepted and ignored.
func parseAttributeArray(raw json.RawMessage) ([]attributeValue, *apiError) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, badRequest("The request body must be a JSON array of {\"Attribute\": ..., \"Value\": ...} objects")
	}
	out := make([]attributeValue, 0, len(items))
	for i, item := range items {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(item, &m); err != nil || m == nil {
			return nil, badRequest("Element %d of the request body is not an object", i)
		}
		for k := range m {
			if k != "Attribute" && k != "Value" && k != "Fields" {
				return nil, badRequest("Element %d of the request body has the unknown member '%s'", i, k)
			}
		}
		var av attributeValue
		if err := json.Unmarshal(m["Attribute"], &av.Attribute); err != nil || av.Attribute == "" {
			return nil, badRequest("Element %d of the request body has no Attribute name", i)
		}
		if v, ok := m["Value"]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if err := json.Unmarshal(v, &av.Value); err != nil {
				return nil, invalidParam(av.Attribute)
			}
		}
		out = append(out, av)
	}
	return out, nil
}

// leadCreate serves POST Lead.Create.
func (e *Emulator) leadCreate(w http.ResponseWriter, r *http.Request, caller User) {
	raw, aerr := readJSONBody(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	pairs, aerr := parseAttributeArray(raw)
	if aerr != nil {
		aerr.write(w)
		return
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.acct
	lead := Lead{OwnerID: caller.ID, CreatedBy: caller.ID}
	if aerr := a.apply(&lead, pairs); aerr != nil {
		aerr.write(w)
		return
	}
	if aerr := identifiable(lead); aerr != nil {
		aerr.write(w)
		return
	}
	if aerr := a.checkLeadValues(&lead); aerr != nil {
		aerr.write(w)
		return
	}
	if aerr := a.checkUnique(&lead, ""); aerr != nil {
		aerr.write(w)
		return
	}
	l := a.newLead(lead, e.Now().UTC())
	emulator.MarkWrite(w)
	writeSuccess(w, l.ProspectID, "")
}

// apply sets the attributes of pairs on l: a known attribute only (else
// 500 MXUnknownAttributeException); an empty OwnerId keeps the owner; an
// empty Value clears the attribute.
func (a *account) apply(l *Lead, pairs []attributeValue) *apiError {
	for _, p := range pairs {
		if !a.knownAttribute(p.Attribute) {
			return newAPIError(http.StatusInternalServerError, ExUnknownAttribute, "Lead attribute '"+p.Attribute+"' does not exist")
		}
		if p.Attribute == "OwnerId" && p.Value == "" {
			continue // keep the owner
		}
		if s := l.slot(p.Attribute); s != nil {
			*s = p.Value
			continue
		}
		if l.Attributes == nil {
			l.Attributes = map[string]string{}
		}
		l.Attributes[p.Attribute] = p.Value
	}
	return nil
}

// identifiable refuses a lead without any of the fields a lead needs.
func identifiable(l Lead) *apiError {
	if l.FirstName == "" && l.LastName == "" && l.EmailAddress == "" && l.Phone == "" {
		return newAPIError(http.StatusInternalServerError, ExMandatoryAttributeMissing,
			"At least one of 'FirstName', 'LastName', 'EmailAddress' or 'Phone' is mandatory")
	}
	return nil
}

// checkUnique refuses an EmailAddress or Phone another lead than self
// (a normID; "" for a new lead) has.
func (a *account) checkUnique(l *Lead, self string) *apiError {
	if l.EmailAddress != "" {
		if o := a.leadWithEmail(l.EmailAddress); o != nil && o.ProspectID != self {
			return newAPIError(http.StatusInternalServerError, ExDuplicateEntry, dupEmailMessage)
		}
	}
	if l.Phone != "" {
		for _, o := range a.leads {
			if o.ProspectID != self && o.Phone != "" && samePhone(o.Phone, l.Phone, a.countryCode) {
				return newAPIError(http.StatusInternalServerError, ExDuplicateEntry, dupPhoneMessage)
			}
		}
	}
	return nil
}

// updateAnswer is Lead.Update's success body.
type updateAnswer struct {
	Status  string `json:"Status"`
	Message struct {
		AffectedRows int `json:"AffectedRows"`
	} `json:"Message"`
}

// leadUpdate serves POST Lead.Update?leadId=…: the attributes sent change,
// the others stay; the same checks as Lead.Create (the uniqueness of
// EmailAddress and Phone against the other leads). All or nothing.
func (e *Emulator) leadUpdate(w http.ResponseWriter, r *http.Request, caller User) {
	id := strings.TrimSpace(queryValue(r, "leadId"))
	if id == "" {
		mandatory("leadId").write(w)
		return
	}
	if !isGUID(id) {
		invalidInput("Invalid Input! Parameter Name: leadId. '%s' is not a valid Id", id).write(w)
		return
	}
	raw, aerr := readJSONBody(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	pairs, aerr := parseAttributeArray(raw)
	if aerr != nil {
		aerr.write(w)
		return
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.acct
	stored, ok := a.leadByID[normID(id)]
	if !ok {
		invalidInput("Lead with Id '%s' does not exist", id).write(w)
		return
	}
	next := stored.clone()
	for _, step := range []func() *apiError{
		func() *apiError { return a.apply(&next, pairs) },
		func() *apiError { return identifiable(next) },
		func() *apiError { return a.checkLeadValues(&next) },
		func() *apiError { return a.checkUnique(&next, stored.ProspectID) },
	} {
		if aerr := step(); aerr != nil {
			aerr.write(w)
			return
		}
	}
	next.ModifiedOn = e.Now().UTC()
	next.ModifiedBy = caller.ID
	*stored = next
	emulator.MarkWrite(w)
	var ans updateAnswer
	ans.Status = "Success"
	ans.Message.AffectedRows = 1
	emulator.WriteJSON(w, http.StatusOK, ans)
}

// checkLeadValues validates the formats of the fields LeadSquared types.
func (a *account) checkLeadValues(l *Lead) *apiError {
	if l.EmailAddress != "" {
		addr, err := mail.ParseAddress(l.EmailAddress)
		if err != nil || addr.Address != strings.TrimSpace(l.EmailAddress) || addr.Name != "" {
			return invalidInput("Invalid Email Address: '%s'", l.EmailAddress)
		}
	}
	for _, f := range [][2]string{{"Phone", l.Phone}, {"Mobile", l.Mobile}} {
		if f[1] != "" && !validPhone(f[1]) {
			return invalidInput("Invalid %s number: '%s'", f[0], f[1])
		}
	}
	for _, name := range []string{"DoNotEmail", "DoNotCall"} {
		if v, ok := l.Attributes[name]; ok && v != "" && v != "0" && v != "1" {
			return invalidInput("Invalid Input! Parameter Name: %s (want \"0\" or \"1\")", name)
		}
	}
	if l.OwnerID == "" {
		return nil // a fixture lead without owner, updated without one
	}
	if !isGUID(l.OwnerID) {
		return invalidInput("Invalid Input! Parameter Name: OwnerId")
	}
	l.OwnerID = normID(l.OwnerID)
	if u, ok := a.users[l.OwnerID]; !ok || u.Deactivated {
		return invalidInput("User with Id '%s' does not exist or is not active", l.OwnerID)
	}
	return nil
}
