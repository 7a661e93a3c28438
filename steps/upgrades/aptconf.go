package upgrades

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Config is one apt configuration file (apt.conf(5) syntax) read for editing. It keeps the file's
// bytes and an index of its statements, so printing is the source itself and an edit splices only
// the bytes of the statement it changes: every other line, comment and blank line stays as it was.
//
// The parser accepts a strict subset of what apt reads: wherever apt's line-based reading could
// disagree with a token-based one (a block comment holding //, # or a quote; a word glued to a
// quoted string; a statement closed by } instead of ;), it refuses the file rather than guess.
type Config struct {
	src       []byte
	stmts     []statement
	commented []commented
	scopes    []scope
}

// statement is one assignment, list item or directive, with its key resolved against its scopes.
type statement struct {
	key       string // full key: "Unattended-Upgrade::Mail"; a list item ends in "::"
	value     string // as apt reads it
	directive string // "#clear", "#include", "#x-apt-configure-index"; else ""
	// valStart..valEnd is the value token in src (quotes included).
	valStart, valEnd int
}

// commented is a whole-line // comment whose text is itself one statement
// (`//Unattended-Upgrade::Mail "";`), a setting the file ships switched off.
type commented struct {
	lineStart, end int    // the line's first byte, and the end of the comment (before the newline)
	key            string // resolved against the enclosing scopes
	value          string
	text           string // the statement as it would read uncommented (leading blanks trimmed)
	valStart       int    // the value token within text
	valEnd         int
	scope          int // index into scopes, -1 at the top level
}

// scope is a `Key { … };` block.
type scope struct {
	key         string
	open, close int    // offsets of { and }
	indent      string // leading blanks of the first statement inside, "" when none
}

// ParseError says where and why a file is outside the syntax the editor handles.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

type tokenKind int

const (
	tokWord tokenKind = iota
	tokQuoted
	tokOpen
	tokClose
	tokSemi
)

type token struct {
	kind       tokenKind
	start, end int
	text       string // word or quoted content as apt reads it
}

var magicDirectives = []string{"clear", "include", "x-apt-configure-index"}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// lexer splits src into tokens, noting whole-line // comments on the way.
type lexer struct {
	src      []byte
	pos      int
	toks     []token
	comments [][2]int // start of line, end of comment, for comments alone on their line
	// glued is true when the previous token was a word or quoted string with nothing after it yet.
	glued bool
}

func (l *lexer) line(at int) int { return bytes.Count(l.src[:at], []byte{'\n'}) + 1 }

func (l *lexer) fail(at int, format string, args ...any) error {
	return &ParseError{Line: l.line(at), Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) lineStart(at int) int { return bytes.LastIndexByte(l.src[:at], '\n') + 1 }

func (l *lexer) lineEnd(at int) int {
	if i := bytes.IndexByte(l.src[at:], '\n'); i >= 0 {
		return at + i
	}
	return len(l.src)
}

func (l *lexer) onlyBlanksBefore(at int) bool {
	for _, c := range l.src[l.lineStart(at):at] {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func (l *lexer) run() error {
	if i := bytes.IndexByte(l.src, 0); i >= 0 {
		return l.fail(i, "NUL byte")
	}
	for l.pos < len(l.src) {
		if err := l.next(); err != nil {
			return err
		}
	}
	return nil
}

// next reads what starts at l.pos: blanks, a comment, punctuation, a quoted string or a word.
func (l *lexer) next() error {
	s := l.src
	c := s[l.pos]
	switch {
	case isBlank(c):
		l.pos++
		l.glued = false
	case c == '/' && l.pos+1 < len(s) && s[l.pos+1] == '/':
		end := l.lineEnd(l.pos)
		if l.onlyBlanksBefore(l.pos) {
			l.comments = append(l.comments, [2]int{l.pos, end})
		}
		l.pos, l.glued = end, false
	case c == '/' && l.pos+1 < len(s) && s[l.pos+1] == '*':
		return l.blockComment()
	case c == '#' && !l.magicAt(l.pos):
		l.pos, l.glued = l.lineEnd(l.pos), false
	case c == '{' || c == '}' || c == ';':
		kind := tokSemi
		switch c {
		case '{':
			kind = tokOpen
		case '}':
			kind = tokClose
		}
		l.toks = append(l.toks, token{kind: kind, start: l.pos, end: l.pos + 1})
		l.pos++
		l.glued = false
	case c == '"':
		return l.quoted()
	default:
		return l.word()
	}
	return nil
}

func (l *lexer) blockComment() error {
	s := l.src
	if l.glued {
		return l.fail(l.pos, "comment glued to a word (apt would join them)")
	}
	rel := bytes.Index(s[l.pos+2:], []byte("*/"))
	if rel < 0 {
		return l.fail(l.pos, "unterminated /* comment")
	}
	end := l.pos + 2 + rel + 2
	body := s[l.pos:end]
	// apt strips // and # comments from a line before it looks for /* */.
	if bytes.Contains(body, []byte("//")) || bytes.ContainsAny(body, "#\"") {
		return l.fail(l.pos, "block comment holding //, # or a quote (apt reads it differently)")
	}
	if end < len(s) && !isBlank(s[end]) && !bytes.ContainsAny(s[end:end+1], "{};/#") {
		return l.fail(l.pos, "comment glued to a word (apt would join them)")
	}
	l.pos = end
	return nil
}

func (l *lexer) quoted() error {
	s := l.src
	if l.glued {
		return l.fail(l.pos, "quoted string glued to a word")
	}
	end := l.pos + 1
	for end < len(s) && s[end] != '"' {
		if s[end] < 0x20 || s[end] == 0x7f {
			return l.fail(end, "control character inside a quoted string")
		}
		end++
	}
	if end == len(s) {
		return l.fail(l.pos, "unterminated quoted string")
	}
	l.toks = append(l.toks, token{kind: tokQuoted, start: l.pos, end: end + 1, text: string(s[l.pos+1 : end])})
	l.pos = end + 1
	l.glued = true
	return nil
}

func (l *lexer) word() error {
	s := l.src
	if l.glued {
		return l.fail(l.pos, "word glued to a quoted string")
	}
	start := l.pos
	for l.pos < len(s) {
		c := s[l.pos]
		if isBlank(c) || c == '{' || c == '}' || c == ';' || c == '"' {
			break
		}
		if c == '/' && l.pos+1 < len(s) && (s[l.pos+1] == '/' || s[l.pos+1] == '*') {
			break
		}
		if c == '#' && !l.magicAt(l.pos) {
			break
		}
		l.pos++
	}
	word := s[start:l.pos]
	// apt reads [ … ] inside a word as one unit, spaces included; keep words where that cannot matter.
	if bytes.ContainsAny(word, "[]") && !balancedBrackets(word) {
		return l.fail(start, "unbalanced [ ] in %q", word)
	}
	if l.pos < len(s) && s[l.pos] == '/' {
		return l.fail(l.pos, "comment glued to a word (apt would join them)")
	}
	l.toks = append(l.toks, token{kind: tokWord, start: start, end: l.pos, text: percentDecode(string(word))})
	l.glued = true
	return nil
}

func (l *lexer) magicAt(at int) bool {
	for _, m := range magicDirectives {
		if bytes.HasPrefix(l.src[at+1:], []byte(m)) {
			return true
		}
	}
	return false
}

func balancedBrackets(w []byte) bool {
	open := false
	for _, c := range w {
		switch c {
		case '[':
			if open {
				return false
			}
			open = true
		case ']':
			if !open {
				return false
			}
			open = false
		}
	}
	return !open
}

// percentDecode reads %XX escapes as apt does in unquoted words.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// ParseConfig reads src. It never changes a byte: Bytes returns src as given.
func ParseConfig(src []byte) (*Config, error) {
	l := &lexer{src: src, toks: make([]token, 0, len(src)/16)}
	if err := l.run(); err != nil {
		return nil, err
	}
	c := &Config{src: src}
	var stack []frame
	var pending []token
	for _, t := range l.toks {
		var err error
		switch t.kind {
		case tokWord, tokQuoted:
			pending = append(pending, t)
			if len(pending) > 2 {
				return nil, l.fail(t.start, "extra junk after value")
			}
			continue
		case tokSemi:
			err = c.statement(l, stack, pending)
		case tokOpen:
			stack, err = c.open(l, stack, pending, t)
		case tokClose:
			if len(pending) != 0 {
				return nil, l.fail(t.start, "statement before } has no ;")
			}
			if len(stack) == 0 {
				return nil, l.fail(t.start, "} without a block to close")
			}
			c.scopes[stack[len(stack)-1].scope].close = t.start
			stack = stack[:len(stack)-1]
		}
		if err != nil {
			return nil, err
		}
		pending = pending[:0]
	}
	if len(pending) != 0 {
		return nil, l.fail(len(src), "statement without ; at end of file")
	}
	if len(stack) != 0 {
		return nil, l.fail(len(src), "block %q is not closed", stack[len(stack)-1].key)
	}
	if err := c.findCommented(l); err != nil {
		return nil, err
	}
	return c, nil
}

// parentKey is the key of the innermost open block of stack ("" at the top level).
func parentKey(stack []frame) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1].key
}

// keyIn is tag's full key inside the innermost open block of stack.
func keyIn(stack []frame, tag string) string {
	if len(stack) == 0 {
		return tag
	}
	return parentKey(stack) + "::" + tag
}

// statement reads the words before a ';': nothing, a list item, or a tag and its value.
func (c *Config) statement(l *lexer, stack []frame, pending []token) error {
	switch len(pending) {
	case 1: // a list item
		v := pending[0]
		if v.text == "#clear" {
			return l.fail(v.start, "#clear needs the option tree to clear")
		}
		c.stmts = append(c.stmts, statement{key: parentKey(stack) + "::", value: v.text, valStart: v.start, valEnd: v.end})
		c.noteIndent(l, stack, v.start)
	case 2:
		tag, v := pending[0], pending[1]
		st := statement{value: v.text, valStart: v.start, valEnd: v.end}
		if strings.HasPrefix(tag.text, "#") {
			if len(stack) > 0 {
				return l.fail(tag.start, "directives can only be at the top level")
			}
			if !isDirective(tag.text) || tag.kind != tokWord {
				return l.fail(tag.start, "unsupported directive %q", tag.text)
			}
			st.directive = tag.text
		} else {
			st.key = keyIn(stack, tag.text)
		}
		c.stmts = append(c.stmts, st)
		c.noteIndent(l, stack, tag.start)
	}
	// No words: a stray ; is harmless to apt.
	return nil
}

// open starts the block named by pending at t ('{') and returns the stack with it on top.
func (c *Config) open(l *lexer, stack []frame, pending []token, t token) ([]frame, error) {
	if len(pending) != 1 {
		return stack, l.fail(t.start, "block needs exactly one name before {")
	}
	if strings.HasPrefix(pending[0].text, "#") || pending[0].text == "" {
		return stack, l.fail(t.start, "a block needs a name")
	}
	c.noteIndent(l, stack, pending[0].start)
	key := keyIn(stack, pending[0].text)
	c.scopes = append(c.scopes, scope{key: key, open: t.start, close: -1})
	return append(stack, frame{key: key, scope: len(c.scopes) - 1}), nil
}

func isDirective(tag string) bool {
	for _, m := range magicDirectives {
		if tag == "#"+m {
			return true
		}
	}
	return false
}

type frame struct {
	key   string
	scope int
}

// noteIndent records the indentation of the first statement of the innermost open block, when
// that statement starts its line.
func (c *Config) noteIndent(l *lexer, stack []frame, at int) {
	if len(stack) == 0 || !l.onlyBlanksBefore(at) {
		return
	}
	sc := &c.scopes[stack[len(stack)-1].scope]
	if sc.indent == "" {
		sc.indent = string(l.src[l.lineStart(at):at])
	}
}

// findCommented indexes whole-line // comments that hold exactly one statement.
func (c *Config) findCommented(l *lexer) error {
	for _, cm := range l.comments {
		inner := strings.TrimLeft(string(l.src[cm[0]+2:cm[1]]), " \t")
		if !strings.Contains(inner, ";") { // most comments are prose; only a statement ends in ;
			continue
		}
		sub, err := ParseConfig([]byte(inner))
		if err != nil || len(sub.stmts) != 1 || len(sub.scopes) != 0 || sub.stmts[0].directive != "" {
			continue
		}
		st := sub.stmts[0]
		sc := c.scopeAt(cm[0])
		key := st.key
		if sc >= 0 {
			key = c.scopes[sc].key + "::" + st.key
		}
		if st.key == "::" && sc >= 0 {
			key = c.scopes[sc].key + "::"
		}
		c.commented = append(c.commented, commented{
			lineStart: l.lineStart(cm[0]), end: cm[1], key: key, value: st.value,
			text: inner, valStart: st.valStart, valEnd: st.valEnd, scope: sc,
		})
	}
	return nil
}

// scopeAt returns the innermost block open at offset at, or -1.
func (c *Config) scopeAt(at int) int {
	best := -1
	for i, s := range c.scopes {
		if s.open < at && at < s.close && (best < 0 || s.open > c.scopes[best].open) {
			best = i
		}
	}
	return best
}

// Bytes returns the file as it is (after any edits), byte for byte.
func (c *Config) Bytes() []byte { return c.src }

// Assignment is one value as apt would load it: Key "value".
type Assignment struct {
	Key   string
	Value string
}

// Values returns the file's settings in order, as apt loads them: #clear removes what came before
// it; list items have keys ending in "::". Directives other than #clear are left out.
func (c *Config) Values() []Assignment {
	var out []Assignment
	for _, st := range c.stmts {
		switch st.directive {
		case "":
			out = append(out, Assignment{Key: st.key, Value: st.value})
		case "#clear":
			kept := out[:0]
			for _, a := range out {
				if !strings.EqualFold(a.Key, st.value) && !hasPrefixFold(a.Key, st.value+"::") {
					kept = append(kept, a)
				}
			}
			out = kept
		}
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Get returns the value apt would read for key (keys are case-insensitive, the last one wins).
func (c *Config) Get(key string) (string, bool) {
	vals := c.Values()
	for i := len(vals) - 1; i >= 0; i-- {
		if strings.EqualFold(vals[i].Key, key) {
			return vals[i].Value, true
		}
	}
	return "", false
}

// List returns the items of list key, in order.
func (c *Config) List(key string) []string {
	var out []string
	for _, a := range c.Values() {
		if strings.EqualFold(a.Key, key+"::") {
			out = append(out, a.Value)
		}
	}
	return out
}

// ErrBadValue is a value the editor will not write: apt's quoted strings have no escapes.
var ErrBadValue = errors.New(`value holds a quote, a control character or is too long`)

func quote(v string) (string, error) {
	if len(v) > 1000 || strings.ContainsFunc(v, func(r rune) bool { return r == '"' || r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("%q: %w", v, ErrBadValue)
	}
	return `"` + v + `"`, nil
}

// Set makes key read value: it changes the active setting in place, else uncomments a
// commented-out one, else appends a line. It reports whether the file changed.
func (c *Config) Set(key, value string) (bool, error) {
	if got, ok := c.Get(key); ok && got == value {
		return false, nil
	}
	q, err := quote(value)
	if err != nil {
		return false, err
	}
	var tries []func() []byte
	if st, ok := last(c.stmts, func(st statement) bool { return st.directive == "" && strings.EqualFold(st.key, key) }); ok {
		tries = append(tries, func() []byte { return splice(c.src, st.valStart, st.valEnd, q) })
	}
	if cm, ok := last(c.commented, func(cm commented) bool { return strings.EqualFold(cm.key, key) }); ok {
		tries = append(tries, func() []byte { return c.uncomment(cm, q) })
	}
	tries = append(tries, func() []byte { return appendLines(c.src, key+" "+q+";\n") })
	return c.firstThatHolds(tries, func(n *Config) bool { v, ok := n.Get(key); return ok && v == value })
}

// Ensure makes item one of the items of list key: uncommenting it if the file has it commented
// out, else adding it at the end of the key's block, else appending a block. It reports whether
// the file changed.
func (c *Config) Ensure(key, item string) (bool, error) {
	has := func(n *Config) bool { return slices.Contains(n.List(key), item) }
	if has(c) {
		return false, nil
	}
	q, err := quote(item)
	if err != nil {
		return false, err
	}
	var tries []func() []byte
	if cm, ok := last(c.commented, func(cm commented) bool { return strings.EqualFold(cm.key, key+"::") && cm.value == item }); ok {
		tries = append(tries, func() []byte { return c.uncomment(cm, q) })
	}
	if sc, ok := last(c.scopes, func(sc scope) bool { return strings.EqualFold(sc.key, key) }); ok {
		tries = append(tries, func() []byte { return c.insertInScope(sc, q) })
	}
	tries = append(tries, func() []byte { return appendLines(c.src, key+" {\n        "+q+";\n};\n") })
	return c.firstThatHolds(tries, has)
}

// last returns the last of xs that match accepts.
func last[T any](xs []T, match func(T) bool) (T, bool) {
	for i := len(xs) - 1; i >= 0; i-- {
		if match(xs[i]) {
			return xs[i], true
		}
	}
	var zero T
	return zero, false
}

// firstThatHolds applies the first edit after which the file still parses and want holds; a
// later #clear can undo an in-place edit, and appending at the end always wins.
func (c *Config) firstThatHolds(tries []func() []byte, want func(*Config) bool) (bool, error) {
	for _, try := range tries {
		n, err := ParseConfig(try())
		if err == nil && want(n) {
			*c = *n
			return true, nil
		}
	}
	return false, errors.New("no edit of the file gives the wanted value")
}

// uncomment replaces a commented-out statement's line with the statement, its value set to q,
// indented like its siblings.
func (c *Config) uncomment(cm commented, q string) []byte {
	indent := string(leadingBlanks(c.src[cm.lineStart:cm.end]))
	if cm.scope >= 0 && c.scopes[cm.scope].indent != "" {
		indent = c.scopes[cm.scope].indent
	}
	text := cm.text[:cm.valStart] + q + cm.text[cm.valEnd:]
	return splice(c.src, cm.lineStart, cm.end, indent+text)
}

// insertInScope adds `q;` as the block's last item: on its own line when } starts a line.
func (c *Config) insertInScope(sc scope, q string) []byte {
	ls := bytes.LastIndexByte(c.src[:sc.close], '\n') + 1
	if len(bytes.Trim(c.src[ls:sc.close], " \t")) == 0 {
		indent := sc.indent
		if indent == "" {
			indent = string(c.src[ls:sc.close]) + "        "
		}
		return splice(c.src, ls, ls, indent+q+";\n")
	}
	return splice(c.src, sc.close, sc.close, " "+q+"; ")
}

func leadingBlanks(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return b[:i]
}

func splice(src []byte, start, end int, with string) []byte {
	out := make([]byte, 0, len(src)-(end-start)+len(with))
	out = append(out, src[:start]...)
	out = append(out, with...)
	return append(out, src[end:]...)
}

func appendLines(src []byte, lines string) []byte {
	out := append([]byte(nil), src...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, lines...)
}
