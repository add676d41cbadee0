import Store

/// A case record as one self-contained HTML page, to read on screen and to print (A4, page numbers, the
/// case and child on every page).
///
/// Nothing outside the file is used: the style is inline, there is no script, image or font to fetch,
/// and a Content-Security-Policy forbids loading anything, so the page reads the same offline and years
/// later and a copy cannot call out. Text from the store is HTML-escaped everywhere (`&`, `<`, `>`, quotes),
/// and where it goes into the print style (the running header) it is CSS-escaped; control characters are
/// shown in ``SafeText``'s form.
struct HTMLRenderer {
    func render(_ document: RecordDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="fieldbook">
            <title>Case record \(text(document.caseID)) \u{00B7} \(text(document.childName))</title>
            <style>
            \(style(document))
            </style>
            </head>
            <body>

            """
        html += """
            <header class="record-header">
            <p class="kicker">Case record \u{00B7} <span class="case-id">\(text(document.caseID))</span></p>
            <h1>\(text(document.childName))</h1>
            <p class="printed">\(text(document.printed))</p>
            </header>

            """
        html += "<section class=\"case\">\n<h2>Case</h2>\n" + items(document.facts, class: "facts") + "</section>\n"
        if !document.notices.isEmpty {
            html += "<section class=\"notices\">\n<h2>Notices</h2>\n<ul>\n"
            for notice in document.notices {
                html += "<li\(notice.alert ? " class=\"alert\"" : "")>\(prose(notice.text))</li>\n"
            }
            html += "</ul>\n</section>\n"
        }
        html += "<section class=\"chronology\">\n<h2>Chronology <span class=\"count\">\(document.entries.count) "
            + "entr\(document.entries.count == 1 ? "y" : "ies"), oldest first</span></h2>\n"
        if document.entries.isEmpty { html += "<p>Nothing recorded yet.</p>\n" }
        for entry in document.entries { html += self.entry(entry) }
        html += "</section>\n"
        if !document.integrity.isEmpty {
            html += "<footer class=\"integrity\">\n<h2>Integrity</h2>\n" + items(document.integrity, class: "facts") + "</footer>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }

    private func entry(_ entry: RecordDocument.Entry) -> String {
        var html = "<article class=\"entry \(kindClass(entry.kind))\(entry.flags.contains("in conflict") ? " conflicted" : "")\" id=\"entry-\(entry.number)\">\n"
        html += "<h3><span class=\"number\">\(entry.number)</span> <span class=\"date\">\(text(entry.date))</span> "
            + "<span class=\"title\">\(text(entry.title))</span>"
        if let status = entry.status {
            html += " <span class=\"badge status-\(statusClass(status))\">\(text(status))</span>"
        }
        for flag in entry.flags {
            html += " <span class=\"badge flag\">\(text(flag))</span>"
        }
        html += "</h3>\n"
        html += items(entry.stamps, class: "stamps")
        html += "<table class=\"fields\">\n"
        for field in entry.fields {
            let attention = field.alert || field.notes.contains(where: \.alert)
            html += "<tr\(attention ? " class=\"alert\"" : "")><th scope=\"row\">\(text(field.label))</th><td>"
            html += field.value.isEmpty ? "<span class=\"none\">not recorded</span>" : "<div class=\"value\">\(prose(field.value))</div>"
            for note in field.notes {
                html += "<div class=\"field-note\(note.alert ? " alert" : "")\">\(prose(note.text))</div>"
            }
            html += "</td></tr>\n"
        }
        html += "</table>\n</article>\n"
        return html
    }

    private func items(_ items: [RecordDocument.Item], class name: String) -> String {
        var html = "<table class=\"\(name)\">\n"
        for item in items {
            html += "<tr\(item.alert ? " class=\"alert\"" : "")><th scope=\"row\">\(text(item.label))</th><td>\(prose(item.value))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    // MARK: - Escaping

    /// Text as HTML text: control characters shown escaped, then `& < > " '` as character references.
    func text(_ raw: String) -> String {
        var out = ""
        for character in SafeText.escaped(raw) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Text over several lines: as ``text(_:)``, keeping its line breaks (the style shows them).
    func prose(_ raw: String) -> String {
        raw.split(separator: "\n", omittingEmptySubsequences: false).map { text(String($0)) }.joined(separator: "\n")
    }

    /// Text as the content of a CSS string: every character but letters, digits, space and a few marks
    /// as a hexadecimal escape, so no quote, backslash, `<` or line break can end the string or the style.
    func cssString(_ raw: String) -> String {
        var out = "\""
        for scalar in SafeText.escaped(raw).unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || " .,:-_@()".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                // The space ends the escape and is not part of the text (CSS Syntax, 4.3.7).
                out += "\\" + String(scalar.value, radix: 16) + " "
            }
        }
        return out + "\""
    }

    private func kindClass(_ kind: CaseRecordEntry.Kind) -> String {
        "kind-" + kind.rawValue.replacingOccurrences(of: " ", with: "-")
    }

    private func statusClass(_ status: String) -> String {
        status.allSatisfy { $0.isASCII && $0.isLetter } ? status : "other"
    }

    // MARK: - Style

    private func style(_ document: RecordDocument) -> String {
        let running = cssString("\(document.caseID) \u{00B7} \(document.childName)")
        let printed = cssString(document.printed)
        return """
            :root { color-scheme: light; }
            * { box-sizing: border-box; }
            html { font-size: 10.5pt; }
            body { font-family: "Liberation Serif", "Times New Roman", Georgia, serif; color: #111; background: #fff;
                   line-height: 1.35; margin: 0 auto; max-width: 52rem; padding: 1.5rem; }
            h1, h2, h3, th, .kicker, .printed, .badge, .count { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; }
            .record-header { border-bottom: 2px solid #111; margin-bottom: 1rem; }
            .kicker { margin: 0; font-size: 0.9rem; text-transform: uppercase; letter-spacing: 0.06em; color: #444; }
            .case-id { font-weight: bold; color: #111; }
            h1 { margin: 0.15rem 0 0.2rem; font-size: 1.8rem; }
            .printed { margin: 0 0 0.6rem; font-size: 0.9rem; color: #444; }
            h2 { font-size: 1.2rem; margin: 1.2rem 0 0.4rem; border-bottom: 1px solid #999; padding-bottom: 0.1rem;
                 break-after: avoid; page-break-after: avoid; }
            h2 .count { font-size: 0.85rem; font-weight: normal; color: #444; }
            table { border-collapse: collapse; width: 100%; }
            th { text-align: left; vertical-align: top; font-weight: bold; font-size: 0.85rem; color: #333;
                 padding: 0.12rem 0.8rem 0.12rem 0; white-space: nowrap; width: 11rem; }
            td { vertical-align: top; padding: 0.12rem 0; overflow-wrap: anywhere; white-space: pre-wrap; }
            tr { break-inside: avoid; page-break-inside: avoid; }
            .facts th { width: 11rem; }
            .notices ul { margin: 0; padding-left: 1.2rem; }
            .notices li { white-space: pre-wrap; margin: 0.15rem 0; }
            .alert, .alert th { color: #8b0000; }
            .notices li.alert { font-weight: bold; }
            article.entry { border-top: 1px solid #bbb; padding: 0.45rem 0 0.6rem; break-inside: avoid; page-break-inside: avoid; }
            h2 + article.entry { border-top: none; }
            article.entry h3 { font-size: 1rem; margin: 0 0 0.3rem; break-after: avoid; page-break-after: avoid; }
            h3 .number { display: inline-block; min-width: 1.8rem; }
            h3 .date { font-weight: normal; color: #333; margin-right: 0.4rem; }
            .badge { display: inline-block; font-size: 0.72rem; font-weight: bold; text-transform: uppercase; letter-spacing: 0.04em;
                     border: 1px solid #555; border-radius: 3px; padding: 0 0.3rem; margin-left: 0.25rem; vertical-align: 0.1rem; }
            .badge.status-draft { border-style: dashed; }
            .badge.status-deleted, .badge.flag { color: #8b0000; border-color: #8b0000; }
            table.stamps { font-size: 0.85rem; color: #333; margin-bottom: 0.35rem; }
            table.stamps th { font-weight: normal; color: #555; }
            table.fields th { width: 11rem; }
            .value { white-space: pre-wrap; }
            .none { color: #777; font-style: italic; }
            .field-note { font-size: 0.85rem; color: #444; font-style: italic; margin-top: 0.1rem; white-space: pre-wrap; }
            .field-note.alert { color: #8b0000; font-style: normal; font-weight: bold; }
            .conflicted { border-left: 3px solid #8b0000; padding-left: 0.5rem; }
            .integrity { margin-top: 1.2rem; border-top: 2px solid #111; }
            .integrity h2 { border-bottom: none; }
            @page {
              size: A4;
              margin: 20mm 16mm 18mm 16mm;
              @top-left { content: \(running); font-family: "Liberation Sans", Arial, sans-serif; font-size: 8pt; color: #444; }
              @top-right { content: \(printed); font-family: "Liberation Sans", Arial, sans-serif; font-size: 8pt; color: #444; }
              @bottom-left { content: "Fieldbook case record"; font-family: "Liberation Sans", Arial, sans-serif; font-size: 8pt; color: #444; }
              @bottom-right { content: "Page " counter(page) " of " counter(pages); font-family: "Liberation Sans", Arial, sans-serif;
                              font-size: 8pt; color: #444; }
            }
            @media print {
              html { font-size: 10pt; }
              body { max-width: none; padding: 0; }
              .record-header { margin-top: 0; }
            }
            """
    }
}
