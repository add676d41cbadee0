import Repl

/// Prints one line of `fieldbook admin` output, every interpolated value escaped (``OutputLine``).
///
/// Admin listings show what devices and users sent: a device's name comes from the laptop that enrolled,
/// a quarantine reason quotes a pushed change, a case id or an allocation reason was typed by someone. A
/// value holding a newline or a tab would otherwise forge a line or a column of a tab-separated listing
/// (`admin device list` read by a script or a person), and an escape sequence would drive the
/// administrator's terminal. Here the listing's own tabs are literal and a value's are escaped.
func printLine(_ line: OutputLine) {
    print(line.text)
}
