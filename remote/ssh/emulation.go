package ssh

// GatherScript is the exact command Gather (full) or ReadFile (not full) sends for q with this nonce,
// so an emulated host (internal/demohost) can recognise the command by rebuilding it, not by guessing.
func GatherScript(q Query, full bool, nonce string) (string, error) {
	return gatherScript(q, full, nonce)
}
