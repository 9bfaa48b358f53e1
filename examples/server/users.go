package main

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/negotiate"
	"github.com/httpsem/httpsem/patch"
)

// user is a private profile: only its owner's browser may cache it
// (Cache-Control: private, max-age=300). Clients change it with PATCH.
type user struct {
	XMLName     xml.Name    `json:"-" xml:"user"`
	ID          string      `json:"id" xml:"id,attr"`
	Name        string      `json:"name" xml:"name"`
	Email       string      `json:"email" xml:"email"`
	Phone       *string     `json:"phone,omitempty" xml:"phone,omitempty"` // optional: merge patch null removes it
	Address     address     `json:"address" xml:"address"`
	Preferences preferences `json:"preferences" xml:"preferences"`
}

type address struct {
	City string  `json:"city" xml:"city"`
	Zip  *string `json:"zip,omitempty" xml:"zip,omitempty"` // optional
}

type preferences struct {
	Theme         string `json:"theme" xml:"theme"`
	Notifications bool   `json:"notifications" xml:"notifications"`
}

// validate reports the first business rule a changed user breaks, as a 422.
func (u *user) validate(id string) *httperr.Error {
	switch {
	case u.ID != id:
		return unprocessable(`Field "id" is read-only.`)
	case strings.TrimSpace(u.Name) == "" || len(u.Name) > 100:
		return unprocessable(`Field "name" must be 1 to 100 characters.`)
	case len(u.Email) > 254 || strings.Count(u.Email, "@") != 1 || strings.HasPrefix(u.Email, "@") || strings.HasSuffix(u.Email, "@"):
		return unprocessable(`Field "email" must be an e-mail address.`)
	case u.Phone != nil && len(*u.Phone) > 32:
		return unprocessable(`Field "phone" must be at most 32 characters.`)
	case len(u.Address.City) > 100 || u.Address.Zip != nil && len(*u.Address.Zip) > 16:
		return unprocessable(`Field "address" has a city or zip that is too long.`)
	}
	switch u.Preferences.Theme {
	case "light", "dark", "system":
	default:
		return unprocessable(`Field "preferences.theme" must be "light", "dark" or "system".`)
	}
	return nil
}

// userRequired lists the members a user must have (openapi.json agrees);
// the others are optional.
var userRequired = []string{"id", "name", "email", "address", "address.city", "preferences", "preferences.theme", "preferences.notifications"}

// userRecord is a stored user with its validators.
type userRecord struct {
	user     user
	rev      uint64 // from the store-wide revision counter
	modified time.Time
}

// userStore holds the users. One mutex covers read, precondition check and
// write of a PATCH, which is what makes the check meaningful.
type userStore struct {
	mu   sync.Mutex
	now  func() time.Time
	rev  uint64
	byID map[string]*userRecord
}

func newUserStore(now func() time.Time) *userStore {
	s := &userStore{now: now, byID: map[string]*userRecord{}}
	t := now().Truncate(time.Second)
	for _, u := range []user{
		{ID: "1", Name: "Ada Lovelace", Email: "ada@example.com", Phone: ptr("+44 20 7946 0018"),
			Address: address{City: "London", Zip: ptr("W1J 7NT")}, Preferences: preferences{Theme: "dark", Notifications: true}},
		{ID: "2", Name: "Grace Hopper", Email: "grace@example.com", Phone: ptr("+1 212 555 0143"),
			Address: address{City: "New York", Zip: ptr("10001")}, Preferences: preferences{Theme: "light", Notifications: false}},
	} {
		s.rev++
		s.byID[u.ID] = &userRecord{user: u, rev: s.rev, modified: t}
	}
	return s
}

// The representations of users and events, in order of preference.
const (
	jsonType = "application/json"
	xmlType  = "application/xml"
)

// userTag is the strong ETag of revision rev in representation typ; it
// differs per representation because a strong tag promises identical bytes
// (etag.Variant). PATCH preconditions are checked against the JSON tag:
// patches are JSON documents.
func userTag(rev uint64, typ string) etag.Tag {
	return etag.Variant{MediaType: typ}.Tag(etag.FromVersion(rev))
}

func (rec *userRecord) validators(typ string) conditional.Validators {
	return conditional.Validators{ETag: userTag(rec.rev, typ), LastModified: rec.modified, Exists: true}
}

// getUser serves GET/HEAD /users/{id}. Its validators are known before the
// body is built, so it answers 304 with conditional.Check instead of rendering
// and hashing.
func (s *server) getUser(w http.ResponseWriter, r *http.Request) {
	// Negotiate first: the 304 must carry Vary: Accept too.
	typ, acceptable := negotiate.Type(w, r, jsonType, xmlType)
	s.users.mu.Lock()
	rec, ok := s.users.byID[r.PathValue("id")]
	var (
		u user
		v conditional.Validators
	)
	if ok {
		u, v = rec.user, rec.validators(typ)
	}
	s.users.mu.Unlock()
	if !ok {
		fail(w, r, notFound("User"))
		return
	}
	if acceptable {
		if !conditional.Check(w, r, v, conditional.Options{Now: s.cfg.Now}) {
			return // 304 (or 412 for If-Match on a GET)
		}
		setValidators(w, v)
	}
	_ = s.render.Render(w, r, http.StatusOK, u) // 406 when !acceptable
}

// patchUserHandler serves PATCH /users/{id} through patch.Handler:
// application/merge-patch+json or application/json-patch+json (415 with
// Accept-Patch otherwise), If-Match optional (stale: 412), 400 for a
// malformed patch, 409 when it does not apply, 422 when the result is not a
// valid user, 200 with the new representation and ETag.
func (s *server) patchUserHandler() http.Handler {
	return patch.Handler(patch.Options{Conditional: conditional.Options{Now: s.cfg.Now}, Logger: s.cfg.Logger},
		s.loadUser, s.storeUser)
}

// loadUser is the patch.LoadFunc of users: the JSON representation and its
// validators.
func (s *server) loadUser(_ context.Context, r *http.Request) (patch.Resource, error) {
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	rec, ok := s.users.byID[r.PathValue("id")]
	if !ok {
		return patch.Resource{}, patch.ErrNotFound
	}
	doc, err := jsonRepresentation(rec.user)
	if err != nil {
		return patch.Resource{}, err
	}
	return patch.Resource{Doc: doc, Validators: rec.validators(jsonType), ContentType: jsonType}, nil
}

// storeUser is the patch.StoreFunc of users: it validates the patched
// document and stores it only over the revision that was loaded
// (compare-and-swap under the store's lock), so a concurrent PATCH that came
// first turns this one into a 412 (or a re-apply when it had no If-Match).
// It answers the user as stored and as GET renders it: decoding normalises
// the patched document (member order, number spelling, escapes), and the
// 200 must carry the bytes the new strong ETag stands for.
func (s *server) storeUser(_ context.Context, r *http.Request, prev patch.Resource, doc []byte) (patch.Resource, error) {
	id := r.PathValue("id")
	var nu user
	if e := unmarshalStrict(doc, &nu); e != nil {
		return patch.Resource{}, e // 422: e.g. "email" is no longer a string
	}
	// RFC 7396 §2: null removed the member. Optional ones (phone,
	// address.zip) are then absent; a required one is a 422 naming it.
	if e := requireMembers(doc, userRequired...); e != nil {
		return patch.Resource{}, e
	}
	if e := nu.validate(id); e != nil {
		return patch.Resource{}, e
	}
	stored, err := jsonRepresentation(nu)
	if err != nil {
		return patch.Resource{}, err
	}
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	rec, ok := s.users.byID[id]
	if !ok || rec.validators(jsonType).ETag != prev.Validators.ETag {
		return patch.Resource{}, patch.ErrStale
	}
	s.users.rev++
	rec.user, rec.rev, rec.modified = nu, s.users.rev, s.users.now()
	return patch.Resource{Doc: stored, Validators: rec.validators(jsonType), ContentType: jsonType}, nil
}

// setValidators sends the validators of the representation being served.
func setValidators(w http.ResponseWriter, v conditional.Validators) {
	if !v.ETag.IsZero() {
		w.Header().Set("ETag", v.ETag.String())
	}
	if !v.LastModified.IsZero() {
		w.Header().Set("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
	}
}
