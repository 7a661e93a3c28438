// Package substrate holds the tests that prove the two halves of the test substrate work together:
// the AWS emulator's keyless SSH material and firewall in front of a real OpenSSH server on a real
// Debian host, reached exactly as hardsail reaches a Lightsail instance.
package substrate
