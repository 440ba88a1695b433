package org.conceptscope.registry;

import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * The one reader of option text as ImageJ 1.x macros write it, for the commands' macro options and
 * the ops' {@code options} input alike: {@code key=value key=[value with spaces] flag}.
 */
public final class OptionScanner {

	private OptionScanner() {}

	/**
	 * Each {@code key=value}, {@code key=[value with spaces]} or bare {@code key} (value "true") in
	 * order, keys in lower case. The ']' that ends a bracketed value is the first one followed by a
	 * space or the end, so a path may hold ']' itself.
	 *
	 * @param where what reads the text (an op's name), for the message; null: not named (a command's reporter names it)
	 * @throws IllegalArgumentException for a '[' never closed
	 */
	public static void scan(String options, String where, BiConsumer<String, String> each) {
		String s = options == null ? "" : options;
		int i = 0, n = s.length();
		while (i < n) {
			if (Character.isWhitespace(s.charAt(i))) {
				i++;
				continue;
			}
			int start = i;
			while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) i++;
			String key = s.substring(start, i).toLowerCase(Locale.ROOT);
			String value = "true";
			if (i < n && s.charAt(i) == '=') {
				i++;
				if (i < n && s.charAt(i) == '[') {
					int close = s.indexOf(']', i + 1);
					while (close >= 0 && close + 1 < n && !Character.isWhitespace(s.charAt(close + 1))) close = s.indexOf(']', close + 1);
					if (close < 0) throw new IllegalArgumentException((where == null ? "T" : where + ": t") + "he value of '" + key + "' opens '[' but never closes it.");
					value = s.substring(i + 1, close);
					i = close + 1;
				} else {
					int from = i;
					while (i < n && !Character.isWhitespace(s.charAt(i))) i++;
					value = s.substring(from, i);
				}
			}
			each.accept(key, value);
		}
	}
}
