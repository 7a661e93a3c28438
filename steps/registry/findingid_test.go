package registry_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryFindingLiteralSetsID: every steps.Finding written in product code under steps/ sets its
// ID, so no finding reaches verify --json without the stable id scripts filter by. (The conformance
// harness checks the ids a step's Check emits against the step's own id.)
func TestEveryFindingLiteralSetsID(t *testing.T) {
	fset := token.NewFileSet()
	seen := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if strings.Contains(filepath.ToSlash(path), "/steptest/") {
			return nil // the harness's toy steps
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			for _, fl := range findingLiterals(lit, f.Name.Name) {
				seen++
				if len(fl.Elts) == 0 {
					continue // steps.Finding{}: the zero value returned beside false
				}
				if !hasKey(fl, "ID") {
					t.Errorf("%s: a steps.Finding without an ID", fset.Position(fl.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 20 {
		t.Fatalf("found %d Finding literals under steps/, want the 20 and more the steps write: is the walk broken?", seen)
	}
}

// findingLiterals returns lit if it is a Finding, and its elided elements if it is a []Finding.
func findingLiterals(lit *ast.CompositeLit, pkg string) []*ast.CompositeLit {
	if isFinding(lit.Type, pkg) {
		return []*ast.CompositeLit{lit}
	}
	arr, ok := lit.Type.(*ast.ArrayType)
	if !ok || !isFinding(arr.Elt, pkg) {
		return nil
	}
	var out []*ast.CompositeLit
	for _, e := range lit.Elts {
		if el, ok := e.(*ast.CompositeLit); ok && el.Type == nil {
			out = append(out, el)
		}
	}
	return out
}

func isFinding(e ast.Expr, pkg string) bool {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		return ok && id.Name == "steps" && x.Sel.Name == "Finding"
	case *ast.Ident:
		return pkg == "steps" && x.Name == "Finding"
	}
	return false
}

func hasKey(lit *ast.CompositeLit, key string) bool {
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == key {
				return true
			}
		}
	}
	return false
}
