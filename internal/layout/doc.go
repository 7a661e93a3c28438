// Package layout holds the test that enforces who may import whom (design.md §3).
package layout
