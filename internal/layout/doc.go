// Package layout holds the tests that enforce who may import whom (design.md §3) and who may name a
// step, and Literals, which those tests and cmd/'s read the product's strings with.
package layout
