/**
 * The text each command adds after its options (examples, notes, exit codes) is written by hand
 * in lines of about 100 characters; commander wraps only its own tables. This reflows that prose
 * to the help width: lines that continue a sentence are joined and wrapped again, while examples
 * (`  $ refplan …`), headings (`Examples:`) and blank lines stay as they are.
 */
export function reflowHelpText(text: string, width: number): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let indent = '';
  const flush = (): void => {
    if (paragraph.length > 0) out.push(...wrapWords(paragraph.join(' '), width, indent));
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    const verbatim = line.trim() === '' || /^\s*\$ /.test(line) || /^\S[^.]*:$/.test(line);
    if (verbatim) {
      flush();
      out.push(line);
      continue;
    }
    const previous = paragraph[paragraph.length - 1];
    const continues = previous !== undefined && (!/[.:]$/.test(previous) || /^\s*[a-z0-9(]/.test(line));
    if (!continues) {
      flush();
      indent = /^\s*/.exec(line)?.[0] ?? '';
    }
    paragraph.push(line.trim());
  }
  flush();
  return out.join('\n');
}

function wrapWords(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}
