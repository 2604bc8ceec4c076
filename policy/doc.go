// Package policy holds the station's pure rules: password rules and the live
// checklist, account names, identity numbers (HK ID card, student ID, dates),
// full names as on an identity document, alumni e-mail aliases, personal
// e-mail addresses, lifecycle dates and password age. It uses only the standard library
// and golang.org/x/text (Unicode case folding and normalisation, which the
// standard library lacks), and never touches storage or screens.
//
// Errors returned here are *Error values whose text is fit to show a student;
// match them with errors.Is against the Err* sentinels.
package policy
