package main

import (
	"testing"

	"github.com/hardsail/hardsail/remote/wporg/recorded"
)

// TestMain points the wordpress step at the recorded WordPress.org answers.
func TestMain(m *testing.M) { recorded.Main(m) }
