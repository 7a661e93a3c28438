package layout_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function of the shipped binary may be, its signature and closing
// brace included: past it, a function is split, or made a table where it is one.
const maxFuncLines = 80

// longFuncs lists the functions (declared or literal) of f longer than maxFuncLines.
func longFuncs(f goFile) []string {
	var out []string
	ast.Inspect(f.file, func(n ast.Node) bool {
		var body *ast.BlockStmt
		name := "a function literal"
		switch x := n.(type) {
		case *ast.FuncDecl:
			body, name = x.Body, x.Name.Name
		case *ast.FuncLit:
			body = x.Body
		}
		if body == nil {
			return true
		}
		start := f.fset.Position(n.Pos())
		if lines := f.fset.Position(body.Rbrace).Line - start.Line + 1; lines > maxFuncLines {
			out = append(out, fmt.Sprintf("%s:%d: %s is %d lines", f.path, start.Line, name, lines))
		}
		return true
	})
	return out
}

func TestLongFuncsCatchesALongFunction(t *testing.T) {
	src := "package p\n\nfunc short() {\n}\n\nfunc long() {\n" + strings.Repeat("\t_ = 1\n", maxFuncLines-2) + "}\n\n" +
		"var f = func() {\n" + strings.Repeat("\t_ = 1\n", maxFuncLines-1) + "}\n"
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := longFuncs(goFile{path: "p.go", file: file, fset: fset})
	want := []string{"p.go:87: a function literal is 81 lines"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("longFuncs = %q, want %q (long() is exactly %d lines, which is allowed)", got, want, maxFuncLines)
	}
}

// No function of the shipped binary (every package of this module that cmd/hardsail links, the
// demo's emulator included) is longer than maxFuncLines.
func TestNoLongFunctionInTheBinary(t *testing.T) {
	dirs := binaryDeps(t, "-f", `{{if .Module}}{{if eq .Module.Path "github.com/hardsail/hardsail"}}{{.Dir}}{{end}}{{end}}`)
	if len(dirs) < 20 {
		t.Fatalf("go list found %d of the module's packages in the binary: %v", len(dirs), dirs)
	}
	var long []string
	for _, dir := range dirs {
		for _, f := range goFiles(t, dir) {
			long = append(long, longFuncs(f)...)
		}
	}
	if len(long) > 0 {
		t.Errorf("functions over %d lines (split them, or make them a table where they are one):\n%s", maxFuncLines, strings.Join(long, "\n"))
	}
}
