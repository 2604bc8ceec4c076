package kiosk

import tea "github.com/charmbracelet/bubbletea"

// Quitter is a model that can say it decided to quit. *Model is one; a model
// that wraps it (the tape runner's) can forward the question.
type Quitter interface{ Quitting() bool }

// Filter is for tea.WithFilter: in kiosk mode nothing but the model itself
// ends the program. Quit, interrupt (SIGINT) and suspend messages are dropped
// unless the model has decided to quit (Options.Dev and Ctrl+C, or a
// ShutdownMsg from the station's own signal handling).
func Filter(m tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.QuitMsg, tea.InterruptMsg, tea.SuspendMsg:
		if q, ok := m.(Quitter); ok && q.Quitting() {
			return msg
		}
		return nil
	}
	return msg
}

// ShutdownMsg asks the station to quit (e.g. on SIGTERM from the service
// manager). A student cannot send it: no key maps to it.
type ShutdownMsg struct{}

// sanitize cleans typed and pasted text before any screen sees it: escape
// sequences and control characters in a paste never reach a field. It
// returns nil for a key that is nothing once cleaned.
func sanitize(msg tea.KeyMsg) tea.Msg {
	if msg.Type != tea.KeyRunes {
		return msg
	}
	msg.Runes = cleanRunes(msg.Runes)
	if len(msg.Runes) == 0 {
		return nil
	}
	return msg
}
