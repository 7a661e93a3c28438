package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// Literal is one string literal of hardsail's product (non-test) Go code.
type Literal struct {
	Pos   token.Position
	Dir   string // the folder of its file, as walked
	Value string // unquoted
}

// Literals returns every string literal of the product Go files under each of dirs, walked.
func Literals(dirs ...string) ([]Literal, error) {
	var out []Literal
	for _, top := range dirs {
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						out = append(out, Literal{Pos: fset.Position(lit.Pos()), Dir: filepath.Dir(path), Value: s})
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
