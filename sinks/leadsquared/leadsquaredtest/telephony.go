package leadsquaredtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// CallLog is one call LogCall stored, with the values as the client sent
// them (Direction in its original case, times as strings).
type CallLog struct {
	ActivityID        string `json:"ActivityId"` // the Message.Id answered
	LeadID            string `json:"LeadId"`     // the lead it was posted on
	LeadCreated       bool   `json:"LeadCreated"`
	UserID            string `json:"UserId"`
	SourceNumber      string `json:"SourceNumber"`
	CallerSource      string `json:"CallerSource,omitempty"`
	DestinationNumber string `json:"DestinationNumber"`
	DisplayNumber     string `json:"DisplayNumber,omitempty"`
	StartTime         string `json:"StartTime"`
	EndTime           string `json:"EndTime"`
	CallDuration      int64  `json:"CallDuration"`
	Status            string `json:"Status"`
	ResourceURL       string `json:"ResourceURL,omitempty"`
	Direction         string `json:"Direction"`
	CallSessionID     string `json:"CallSessionId"`
	Tag               string `json:"Tag,omitempty"`
	// LeadIDSent is the LeadId of the request ("" when the call was
	// matched to a lead, or made one, by number).
	LeadIDSent string    `json:"LeadIdSent,omitempty"`
	LoggedAt   time.Time `json:"LoggedAt"`
}

// Popup is one agent popup ShowAgentPopup accepted.
type Popup struct {
	ID                string    `json:"Id"` // the Message.Id answered
	LeadID            string    `json:"LeadId"`
	UserID            string    `json:"UserId"`
	SourceNumber      string    `json:"SourceNumber"`
	DestinationNumber string    `json:"DestinationNumber"`
	DisplayNumber     string    `json:"DisplayNumber,omitempty"`
	Direction         string    `json:"Direction"`
	CallSessionID     string    `json:"CallSessionId"`
	Tag               string    `json:"Tag,omitempty"`
	ShownAt           time.Time `json:"ShownAt"`
}

// callTimeLayout is the documented UTC format of StartTime and EndTime.
const callTimeLayout = "2006-01-02 15:04:05"

type attrKind int

const (
	kindText      attrKind = iota
	kindPhone              // a phone number
	kindTime               // YYYY-MM-DD HH:MM:SS
	kindSeconds            // a JSON number: whole seconds, not negative
	kindDirection          // Inbound or Outbound, any letter case
	kindGUID               // a LeadSquared id
)

// attrSpec is one attribute of a telephony body.
type attrSpec struct {
	name     string
	kind     attrKind
	required bool
	maxLen   int
}

// logCallSpec follows the order of the documented example body; the first
// problem in that order is the one reported.
var logCallSpec = []attrSpec{
	{name: "SourceNumber", kind: kindPhone, required: true},
	{name: "CallerSource", kind: kindText, maxLen: 50},
	{name: "DestinationNumber", kind: kindPhone, required: true},
	{name: "DisplayNumber", kind: kindPhone},
	{name: "StartTime", kind: kindTime, required: true},
	{name: "EndTime", kind: kindTime, required: true},
	{name: "CallDuration", kind: kindSeconds, required: true},
	{name: "Status", kind: kindText, required: true},
	{name: "ResourceURL", kind: kindText},
	{name: "Direction", kind: kindDirection, required: true},
	{name: "CallSessionId", kind: kindText, required: true},
	{name: "LeadId", kind: kindGUID}, // absent: the call finds or makes the lead by number
	{name: "Tag", kind: kindText},
	{name: "UserId", kind: kindGUID, required: true},
}

var popupSpec = []attrSpec{
	{name: "SourceNumber", kind: kindPhone, required: true},
	{name: "DestinationNumber", kind: kindPhone, required: true},
	{name: "DisplayNumber", kind: kindPhone},
	{name: "Direction", kind: kindDirection, required: true},
	{name: "CallSessionId", kind: kindText, required: true},
	{name: "LeadId", kind: kindGUID, required: true},
	{name: "Tag", kind: kindText},
	{name: "UserId", kind: kindGUID, required: true},
}

// callBody is a validated telephony body.
type callBody struct {
	text     map[string]string // every present string attribute
	duration int64
}

// parseCallBody checks a telephony body against spec: the body must be a
// JSON object with only the documented attributes (else 400); then each
// attribute in spec order must be present when required and well formed
// (else 500 with the vendor's exception).
func parseCallBody(r *http.Request, spec []attrSpec) (callBody, *apiError) {
	raw, aerr := readJSONBody(r)
	if aerr != nil {
		return callBody{}, aerr
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return callBody{}, badRequest("The request body must be a JSON object")
	}
	known := map[string]bool{}
	for _, s := range spec {
		known[s.name] = true
	}
	var unknown []string
	for k := range m {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return callBody{}, badRequest("The request body has the unknown attribute '%s' (attribute names are case-sensitive)", unknown[0])
	}

	b := callBody{text: map[string]string{}}
	for _, s := range spec {
		v, present := m[s.name]
		if present && bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			present = false
		}
		if !present {
			if s.required {
				return callBody{}, mandatory(s.name)
			}
			continue
		}
		if s.kind == kindSeconds {
			n, aerr := parseSeconds(s.name, v)
			if aerr != nil {
				return callBody{}, aerr
			}
			b.duration = n
			continue
		}
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			return callBody{}, invalidParam(s.name)
		}
		if strings.TrimSpace(str) == "" {
			if s.required {
				return callBody{}, mandatory(s.name)
			}
			continue
		}
		if aerr := checkValue(s, str); aerr != nil {
			return callBody{}, aerr
		}
		b.text[s.name] = str
	}
	if start, end := b.text["StartTime"], b.text["EndTime"]; start != "" && end != "" {
		st, _ := time.Parse(callTimeLayout, start)
		et, _ := time.Parse(callTimeLayout, end)
		if et.Before(st) {
			return callBody{}, invalidInput("EndTime '%s' is before StartTime '%s'", end, start)
		}
	}
	return b, nil
}

func checkValue(s attrSpec, v string) *apiError {
	if s.maxLen > 0 && len([]rune(v)) > s.maxLen {
		return invalidInput("%s can not be more than %d characters", s.name, s.maxLen)
	}
	switch s.kind {
	case kindPhone:
		if !validPhone(v) {
			return invalidInput("Invalid Input! Parameter Name: %s. '%s' is not a phone number", s.name, v)
		}
	case kindTime:
		if !validCallTime(v) {
			return invalidInput("Invalid Input! Parameter Name: %s. '%s' is not a UTC date time in the format YYYY-MM-DD HH:MM:SS", s.name, v)
		}
	case kindDirection:
		if !strings.EqualFold(v, "Inbound") && !strings.EqualFold(v, "Outbound") {
			return invalidInput("Invalid Input! Parameter Name: Direction. '%s' is neither Inbound nor Outbound", v)
		}
	case kindGUID:
		if !isGUID(v) {
			return invalidInput("Invalid Input! Parameter Name: %s. '%s' is not a valid Id", s.name, v)
		}
	}
	return nil
}

// validCallTime accepts exactly YYYY-MM-DD HH:MM:SS with a real date.
func validCallTime(v string) bool {
	if len(v) != len(callTimeLayout) {
		return false
	}
	for i, c := range v {
		want := callTimeLayout[i]
		if want >= '0' && want <= '9' {
			if c < '0' || c > '9' {
				return false
			}
		} else if byte(c) != want {
			return false
		}
	}
	_, err := time.Parse(callTimeLayout, v)
	return err == nil
}

// parseSeconds reads CallDuration: a JSON number of whole seconds, not
// negative. A string, even "34", is refused: the API types it as a number.
func parseSeconds(name string, v json.RawMessage) (int64, *apiError) {
	t := strings.TrimSpace(string(v))
	if t == "" || !(t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) {
		return 0, invalidInput("Invalid Input! Parameter Name: %s. It must be a number of seconds", name)
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, invalidInput("Invalid Input! Parameter Name: %s. '%s' is not a whole, non-negative number of seconds", name, t)
	}
	return n, nil
}

// logCall serves POST Telephony.svc/LogCall.
func (e *Emulator) logCall(w http.ResponseWriter, r *http.Request, _ User) {
	b, aerr := parseCallBody(r, logCallSpec)
	if aerr != nil {
		aerr.write(w)
		return
	}
	t := b.text
	inbound := strings.EqualFold(t["Direction"], "Inbound")

	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.acct
	var lead *Lead
	if id := t["LeadId"]; id != "" {
		l, ok := a.leadByID[normID(id)]
		if !ok {
			invalidInput("Lead with Id '%s' does not exist", id).write(w)
			return
		}
		lead = l
	}
	user, aerr := a.activeUser(t["UserId"])
	if aerr != nil {
		aerr.write(w)
		return
	}

	now := e.Now().UTC()
	created := false
	if lead == nil {
		number := t["DestinationNumber"]
		if inbound {
			number = t["SourceNumber"]
		}
		lead = a.leadByNumber(number)
		if lead == nil {
			lead = a.newLead(Lead{Phone: number, Source: t["CallerSource"], Origin: t["Tag"], OwnerID: user.ID, CreatedBy: user.ID}, now)
			created = true
		}
	}
	c := CallLog{
		ActivityID:        a.newActivityID(),
		LeadID:            lead.ProspectID,
		LeadCreated:       created,
		UserID:            user.ID,
		SourceNumber:      t["SourceNumber"],
		CallerSource:      t["CallerSource"],
		DestinationNumber: t["DestinationNumber"],
		DisplayNumber:     t["DisplayNumber"],
		StartTime:         t["StartTime"],
		EndTime:           t["EndTime"],
		CallDuration:      b.duration,
		Status:            t["Status"],
		ResourceURL:       t["ResourceURL"],
		Direction:         t["Direction"],
		CallSessionID:     t["CallSessionId"],
		Tag:               t["Tag"],
		LeadIDSent:        t["LeadId"],
		LoggedAt:          now,
	}
	a.callLogs = append(a.callLogs, c)
	start, _ := time.Parse(callTimeLayout, c.StartTime)
	if !start.Before(lead.LastActivityOn) {
		lead.LastActivityID = c.ActivityID
		lead.LastActivityOn = start
		lead.LastActivityName = "Outbound Phone Call Activity"
		if inbound {
			lead.LastActivityName = "Inbound Phone Call Activity"
		}
	}
	emulator.MarkWrite(w)
	writeSuccess(w, c.ActivityID, "Phone call logged successfully")
}

// showAgentPopup serves POST Telephony.svc/ShowAgentPopup.
func (e *Emulator) showAgentPopup(w http.ResponseWriter, r *http.Request, _ User) {
	b, aerr := parseCallBody(r, popupSpec)
	if aerr != nil {
		aerr.write(w)
		return
	}
	t := b.text

	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.acct
	lead, ok := a.leadByID[normID(t["LeadId"])]
	if !ok {
		invalidInput("Lead with Id '%s' does not exist", t["LeadId"]).write(w)
		return
	}
	user, aerr := a.activeUser(t["UserId"])
	if aerr != nil {
		aerr.write(w)
		return
	}
	p := Popup{
		ID:                a.newPopupID(),
		LeadID:            lead.ProspectID,
		UserID:            user.ID,
		SourceNumber:      t["SourceNumber"],
		DestinationNumber: t["DestinationNumber"],
		DisplayNumber:     t["DisplayNumber"],
		Direction:         t["Direction"],
		CallSessionID:     t["CallSessionId"],
		Tag:               t["Tag"],
		ShownAt:           e.Now().UTC(),
	}
	a.popups = append(a.popups, p)
	emulator.MarkWrite(w)
	writeSuccess(w, p.ID, "Message broadcasted successfully")
}

// activeUser resolves a UserId of a call: it must name an active user.
func (a *account) activeUser(id string) (User, *apiError) {
	u, ok := a.users[normID(id)]
	if !ok {
		return User{}, invalidInput("User with Id '%s' does not exist", id)
	}
	if u.Deactivated {
		return User{}, invalidInput("User with Id '%s' is not active", id)
	}
	return u, nil
}
