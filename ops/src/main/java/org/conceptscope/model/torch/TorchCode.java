package org.conceptscope.model.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * Tokens of serialized TorchScript code (the Python subset {@code torch.jit.save} writes under
 * {@code code/}): names, numbers, strings, operators, and one NEWLINE token per logical line with
 * its indentation. Brackets join lines as in Python.
 */
final class TorchCode {

	enum Kind { NAME, NUMBER, STRING, OP, NEWLINE, END }

	/**
	 * @param indent for NEWLINE: the indentation of the line that follows; else -1
	 * @param line   1-based source line
	 */
	record Token(Kind kind, String text, int line, int indent) {
		boolean is(String op) {
			return (kind == Kind.OP || kind == Kind.NAME) && text.equals(op);
		}

		@Override
		public String toString() {
			return kind == Kind.NEWLINE ? "\\n" : text;
		}
	}

	/** Code that is not the Python subset TorchScript writes. */
	static final class SyntaxError extends Exception {
		SyntaxError(String message) {
			super(message);
		}
	}

	private static final String[] OPS3 = { "**=", "//=", ">>=", "<<=", "..." };
	private static final String[] OPS2 = { "==", "!=", "<=", ">=", "//", "**", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>" };
	private static final String OPS1 = "()[]{}:,.;+-*/%<>=&|^~@!";

	private TorchCode() {}

	static List<Token> tokenize(String src) throws SyntaxError {
		List<Token> out = new ArrayList<>();
		int i = 0, n = src.length(), line = 1, depth = 0;
		boolean lineStart = true;
		while (i < n) {
			char c = src.charAt(i);
			if (lineStart && depth == 0) {
				int indent = 0, j = i;
				while (j < n && (src.charAt(j) == ' ' || src.charAt(j) == '\t')) {
					indent += src.charAt(j) == '\t' ? 8 - indent % 8 : 1;
					j++;
				}
				if (j < n && src.charAt(j) != '\n' && src.charAt(j) != '#' && src.charAt(j) != '\r') {
					out.add(new Token(Kind.NEWLINE, "", line, indent));
					lineStart = false;
				}
				i = j;
				if (i >= n) break;
				c = src.charAt(i);
			}
			if (c == '\n') {
				line++;
				i++;
				if (depth == 0) lineStart = true;
				continue;
			}
			if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
				i++;
				continue;
			}
			if (c == '\\' && i + 1 < n && src.charAt(i + 1) == '\n') { // explicit line joining
				i += 2;
				line++;
				continue;
			}
			if (c == '#') {
				while (i < n && src.charAt(i) != '\n') i++;
				continue;
			}
			int start = i;
			if (Character.isLetter(c) || c == '_') {
				while (i < n && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_')) i++;
				String word = src.substring(start, i);
				if (i < n && (src.charAt(i) == '"' || src.charAt(i) == '\'') && word.matches("[rRbBuUfF]{1,2}")) {
					int[] end = string(src, i, line);
					out.add(new Token(Kind.STRING, src.substring(start, end[0]), line, -1));
					line = end[1];
					i = end[0];
				} else {
					out.add(new Token(Kind.NAME, word, line, -1));
				}
				continue;
			}
			if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(src.charAt(i + 1)))) {
				while (i < n) {
					char d = src.charAt(i);
					if (Character.isLetterOrDigit(d) || d == '.' || d == '_') i++;
					else if ((d == '+' || d == '-') && (src.charAt(i - 1) == 'e' || src.charAt(i - 1) == 'E') && !src.startsWith("0x", start)) i++;
					else break;
				}
				out.add(new Token(Kind.NUMBER, src.substring(start, i), line, -1));
				continue;
			}
			if (c == '"' || c == '\'') {
				int[] end = string(src, i, line);
				out.add(new Token(Kind.STRING, src.substring(start, end[0]), line, -1));
				line = end[1];
				i = end[0];
				continue;
			}
			String op = null;
			for (String o : OPS3) if (src.startsWith(o, i)) op = o;
			if (op == null) for (String o : OPS2) if (op == null && src.startsWith(o, i)) op = o;
			if (op == null && OPS1.indexOf(c) >= 0) op = String.valueOf(c);
			if (op == null) throw new SyntaxError("line " + line + " holds the character '" + c + "', which serialized TorchScript never uses");
			if (op.equals("(") || op.equals("[") || op.equals("{")) depth++;
			if (op.equals(")") || op.equals("]") || op.equals("}")) depth = Math.max(0, depth - 1);
			out.add(new Token(Kind.OP, op, line, -1));
			i += op.length();
		}
		out.add(new Token(Kind.NEWLINE, "", line, 0));
		out.add(new Token(Kind.END, "", line, -1));
		return out;
	}

	/** {end index, line after} of the string literal starting at i (a quote). */
	private static int[] string(String src, int i, int line) throws SyntaxError {
		char q = src.charAt(i);
		boolean triple = src.startsWith(String.valueOf(q).repeat(3), i);
		int j = i + (triple ? 3 : 1), n = src.length();
		while (j < n) {
			char c = src.charAt(j);
			if (c == '\\') {
				if (j + 1 < n && src.charAt(j + 1) == '\n') line++;
				j += 2;
				continue;
			}
			if (c == '\n') {
				if (!triple) throw new SyntaxError("line " + line + " has a string that does not end on its line");
				line++;
			}
			if (c == q && (!triple || src.startsWith(String.valueOf(q).repeat(3), j))) return new int[] { j + (triple ? 3 : 1), line };
			j++;
		}
		throw new SyntaxError("line " + line + " has a string that never ends");
	}

	/** The value of a plain string literal token ("abc", 'abc'); null for prefixed or escaped ones. */
	static String literal(Token t) {
		String s = t.text();
		if (t.kind() != Kind.STRING || s.length() < 2 || s.indexOf('\\') >= 0) return null;
		char q = s.charAt(0);
		if (q != '"' && q != '\'') return null;
		if (s.startsWith(String.valueOf(q).repeat(3))) return s.length() >= 6 ? s.substring(3, s.length() - 3) : null;
		return s.substring(1, s.length() - 1);
	}
}
