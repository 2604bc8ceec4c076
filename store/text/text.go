// Package text is the station's message catalog: every sentence a student
// reads, one TOML file per language (en.toml, zh-HK.toml, ...), embedded.
// Code holds message ids, never sentences; a sentence is a whole entry with
// named placeholders ({{.Until}}), because word order differs between
// languages, and plurals go through the catalog (CLDR plural forms).
//
// It lives under store, not kiosk, because the notices that store/notice
// composes are in the catalog too, and store may not import kiosk; policy
// stays free of it and returns ids (policy.Error.ID, policy.Violation.ID)
// that the screens render here.
//
// Adding a language is adding one file, named by its BCP 47 tag (fr.toml),
// with every key of en.toml: Languages lists what the files give, and the
// catalog tests refuse a file that lacks a key or a placeholder.
//
// Convention, relied on by the catalog tests: an id appears in Go source as
// a whole string literal ("refusal.locked.title"), never built from pieces,
// so that a scan of the source finds every id in use.
package text

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	toml "github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// English is the catalog's base language: every key is in en.toml, and a
// station without a [station] language speaks it.
const English = "en"

//go:embed *.toml
var files embed.FS

// Data is the named values a message's placeholders refer to.
type Data = map[string]any

// Catalog is a set of languages loaded from one directory of TOML files.
// Each language has its own bundle (itself over English, the fallback), so
// a language can be parsed when it is first asked for: a station's start
// parses only its own language (issue 17: parsing both took a third of the
// start's CPU), and a loaded bundle is never written again while screens
// read it.
type Catalog struct {
	fsys     fs.FS
	langs    []string        // file names without .toml, English first
	en       []*i18n.Message // English, the base of every language
	mu       sync.Mutex      // loads one language at a time
	printers sync.Map        // language -> *Printer, once loaded
}

// Load reads every *.toml file at the top of fsys; each names its language.
func Load(fsys fs.FS) (*Catalog, error) {
	c, err := open(fsys)
	if err != nil {
		return nil, err
	}
	for _, l := range c.langs {
		if _, err := c.load(l); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// open lists the languages of fsys; none is parsed yet.
func open(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	c := &Catalog{fsys: fsys}
	for _, name := range names {
		c.langs = append(c.langs, strings.TrimSuffix(path.Base(name), ".toml"))
	}
	if !slices.Contains(c.langs, English) {
		return nil, fmt.Errorf("text: no %s.toml: English is the base language", English)
	}
	slices.SortFunc(c.langs, func(a, b string) int {
		switch {
		case a == English:
			return -1
		case b == English:
			return 1
		}
		return strings.Compare(a, b)
	})
	return c, nil
}

// load parses one language's file (and English first), once.
func (c *Catalog) load(lang string) (*Printer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loadLocked(lang)
}

func (c *Catalog) loadLocked(lang string) (*Printer, error) {
	if p, ok := c.printers.Load(lang); ok {
		return p.(*Printer), nil
	}
	if lang != English {
		if _, err := c.loadLocked(English); err != nil {
			return nil, err
		}
	}
	name := lang + ".toml"
	buf, err := fs.ReadFile(c.fsys, name)
	if err != nil {
		return nil, err
	}
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	if lang != English {
		if err := bundle.AddMessages(language.English, c.en...); err != nil {
			return nil, fmt.Errorf("text: %s: %w", name, err)
		}
	}
	mf, err := bundle.ParseMessageFileBytes(buf, name)
	if err != nil {
		return nil, fmt.Errorf("text: %s: %w", name, err)
	}
	if lang == English {
		c.en = mf.Messages
	}
	p := &Printer{lang: lang, loc: i18n.NewLocalizer(bundle, lang)}
	for _, m := range mf.Messages {
		p.keys = append(p.keys, m.ID)
	}
	slices.Sort(p.keys)
	c.printers.Store(lang, p)
	return p, nil
}

// Languages lists the catalog's languages, English first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Has reports whether lang is one of the catalog's languages.
func (c *Catalog) Has(lang string) bool { return slices.Contains(c.langs, lang) }

// Keys lists the message ids of one language, sorted.
func (c *Catalog) Keys(lang string) []string {
	if !c.Has(lang) {
		return nil
	}
	return slices.Clone(c.Printer(lang).keys)
}

// Printer speaks one language of the catalog; an unknown language speaks
// English. A language not loaded yet is loaded now.
func (c *Catalog) Printer(lang string) *Printer {
	if p, ok := c.printers.Load(lang); ok {
		return p.(*Printer)
	}
	if !c.Has(lang) {
		lang = English
	}
	p, err := c.load(lang)
	if err != nil {
		panic(err) // Load found none; Default's files are tested: a build mistake
	}
	return p
}

// Printer renders messages in one language.
type Printer struct {
	lang string
	loc  *i18n.Localizer
	keys []string // sorted
	// plain caches the messages without data: a screen renders its
	// labels on every frame, and the catalog does not change.
	plain sync.Map
}

// Lang is the printer's language tag.
func (p *Printer) Lang() string { return p.lang }

// T renders message id with named data; an int "Count" in data chooses the
// plural form. A missing id renders as the id itself, so a gap shows on
// screen instead of a blank (the catalog tests keep that from shipping).
func (p *Printer) T(id string, data Data) string {
	if len(data) == 0 {
		if s, ok := p.plain.Load(id); ok {
			return s.(string)
		}
		s := p.localize(id, nil)
		p.plain.Store(id, s)
		return s
	}
	return p.localize(id, data)
}

func (p *Printer) localize(id string, data Data) string {
	lc := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"].(int); ok {
		lc.PluralCount = n
	}
	s, err := p.loc.Localize(lc)
	if err != nil {
		return id
	}
	return s
}

// N renders message id in the plural form for count; data may be nil and
// gets count as {{.Count}}.
func (p *Printer) N(id string, count int, data Data) string {
	d := Data{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
)

// Default is the catalog of the files shipped in this package. Each
// language is parsed when first asked for (Warm parses them ahead).
func Default() *Catalog {
	defaultOnce.Do(func() {
		c, err := open(files)
		if err != nil {
			panic(err) // the embedded files are tested; this is a build mistake
		}
		defaultCat = c
	})
	return defaultCat
}

// Languages lists the shipped languages, English first.
func Languages() []string { return Default().Languages() }

// Warm parses every shipped language now. A station calls it in the
// background after its first frame, which needs only its own language
// (the button's other language name comes from Name), so that a student's
// first switch does not wait for a parse.
func Warm() {
	for _, l := range Languages() {
		For(l)
	}
}

// Has reports whether lang is a shipped language.
func Has(lang string) bool { return Default().Has(lang) }

// Loaded reports whether lang's file has been parsed already.
func Loaded(lang string) bool {
	_, ok := Default().printers.Load(lang)
	return ok
}

// ownNames is each shipped language's name in its own words, as its
// file's screen.lang.button says it. The language button shows the other
// language's name on the first frame; from here that costs no parse of the
// other file (10 ms of a station's start, issue 17). TestOwnNames keeps
// this equal to the files, and a language missing here still works (Name
// parses its file).
var ownNames = map[string]string{
	English: "English",
	"zh-HK": "中文",
}

// Name is lang's name in its own words (screen.lang.button in lang).
func Name(lang string) string {
	if n, ok := ownNames[lang]; ok {
		return n
	}
	return T(lang, "screen.lang.button", nil)
}

// For is the printer of a shipped language (English for an unknown one).
func For(lang string) *Printer { return Default().Printer(lang) }

// T renders message id in lang with named data.
func T(lang, id string, data Data) string { return For(lang).T(id, data) }

// N renders message id in lang in the plural form for count.
func N(lang, id string, count int, data Data) string { return For(lang).N(id, count, data) }
