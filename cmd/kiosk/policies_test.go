package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/kiosk/config"
)

// policyConfig writes the demo configuration with [station] policy_dir =
// "policies" into a fresh folder, with files in that folder by name.
func policyConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src := strings.Replace(string(config.Default), `policy_dir = ""`, `policy_dir = "policies"`, 1)
	if src == string(config.Default) {
		t.Fatal(`kiosk.toml has no policy_dir = ""`)
	}
	if err := os.Mkdir(filepath.Join(dir, "policies"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, "policies", name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A deployment's own policy text (policy_dir, relative to kiosk.toml)
// replaces the built-in one in the policy step; the policies it does not
// hold keep their built-in text.
func TestPolicyDirReplacesAText(t *testing.T) {
	t.Parallel()
	cfg := policyConfig(t, map[string]string{
		"aup.en.txt": "CAMPUS NETWORK RULES\n\n1. Use the network for your studies.\n",
	})
	runOn(t, cfg, `Expect "Welcome"
Type "1"
Expect "BEFORE YOU START"
Click "Acceptable Use Policy"
Expect "CAMPUS NETWORK RULES"
Expect "1. Use the network for your studies."
ExpectNot "IT SECURITY GUIDELINES"
Click "Access to User Accounts"
Expect "ACCESS TO USER ACCOUNTS POLICY"
End
Click "I accept"
Expect "Student ID"
`)
}

// A policy file the students could not read stops the station at start,
// naming the key and the file.
func TestPolicyDirRefusesABadFile(t *testing.T) {
	t.Parallel()
	cfg := policyConfig(t, map[string]string{"protect.zh-HK.txt": "保護我的帳戶\n\n\x1b[31m紅字\n"})
	var stdout, stderr bytes.Buffer
	code := run([]string{"--config", cfg, "--script", "-"}, strings.NewReader("Expect \"Welcome\"\n"), &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code != 2 || !strings.Contains(out, "policy_dir") || !strings.Contains(out, filepath.Join("policies", "protect.zh-HK.txt")) ||
		!strings.Contains(out, "line 3 has a control") {
		t.Fatalf("exit %d, want 2 naming policy_dir and the file:\n%s", code, out)
	}
}
