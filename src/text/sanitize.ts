// Text from a server is untrusted: before it reaches the terminal, remove every control
// sequence (colours, cursor moves, title changes, hyperlinks, device queries) and every control
// character but newline and tab, so a hostile or broken server cannot redraw or hijack the screen.
// Invisible format characters go too: bidi embeddings/overrides/isolates and marks can make text
// read differently from what it is (a command shown reversed), zero-width characters hide in
// what looks like a plain word, and neither belongs in evidence or JSON.

// ESC-introduced sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC strings (ended by
// BEL or ESC \), and two-character escapes. The 8-bit C1 forms are handled the same way.
const STRING_SEQ = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
const CSI_SEQ = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
const ESC_SEQ = /\x1b[ -/]*[0-~]?/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// U+202A-202E, U+2066-2069 (bidi controls), U+200E/200F/061C (bidi marks), U+200B-200D, U+2060,
// U+FEFF (zero-width), U+180E (old Mongolian vowel separator, zero-width in many fonts).
const INVISIBLE = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u180e]/g;

export function sanitizeTerminal(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(STRING_SEQ, '')
    .replace(CSI_SEQ, '')
    .replace(ESC_SEQ, '')
    .replace(CONTROLS, '')
    .replace(INVISIBLE, '')
    .replace(/\uFFFD/g, '?');
}
