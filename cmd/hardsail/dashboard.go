package main

import "context"

// runDashboard is what plain `hardsail` shows: the state of every step. The full-screen wizard
// replaces it on a terminal once it exists; off a terminal (or --accessible) this stays.
func runDashboard(ctx context.Context, o *options) error {
	return runVerify(ctx, o, "verify", nil)
}
