package org.conceptscope.fiji.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.registry.Parameter;
import org.junit.jupiter.api.Test;

/**
 * What a number field of a command's ImageJ 1.x dialog shows reads back as the value (GenericDialog
 * showed at most 6 decimals: 1e-7 as 0.000000, which its recorder also wrote into the macro, 1/255 as
 * 0.003922, and a seed above 2^53 rounded to a double), and what the user typed is kept when the
 * dialog's values are refused, with a decimal comma named by its key.
 */
class SpecDialogTest {

	/** The double GenericDialog itself computes from a field's text (ImageJ's parser), as its recorder and macros would read it. */
	private static double imagejReads(String text) {
		return ij.util.Tools.parseDouble(text);
	}

	@Test
	void everyDefaultSurvivesTheFieldsTextExactly() {
		int numbers = 0;
		for (CommandSpec spec : CommandSpecs.ALL) {
			for (Parameter p : spec.parameters().list()) {
				if (!p.type().numeric()) continue;
				String shown = SpecDialog.shown(p, p.defaultText());
				assertEquals(p.defaultValue(), p.parse(shown), spec.command() + " " + p.key() + " shown as '" + shown + "'");
				assertEquals(((Number) p.defaultValue()).doubleValue(), imagejReads(shown), 0, spec.command() + " " + p.key());
				numbers++;
			}
		}
		assertTrue(numbers > 50, "number fields: " + numbers);
	}

	@Test
	void awkwardValuesSurviveTheFieldsTextExactly() {
		Parameter sparsity = CommandSpecs.TRAIN_INTERPRETABLE_HEAD.get("sparsity");
		for (double v : new double[] { 1e-7, 1 / 255.0, 0.1 + 0.2, 1e-300, 123456789.123456789, 2.5e-12, 1e15 + 0.5, 7.0 / 3 }) {
			String shown = SpecDialog.shown(sparsity, Double.toString(v));
			assertEquals(v, (Double) sparsity.parse(shown), 0, "sparsity " + v + " shown as '" + shown + "'");
			assertEquals(v, imagejReads(shown), 0, "ImageJ reads '" + shown + "'");
		}
		assertEquals("1.0E-7", SpecDialog.shown(sparsity, "1.0E-7"), "not 0.000000");
		Parameter seed = CommandSpecs.ATTRIBUTION.get("seed");
		for (long v : new long[] { 9007199254740993L, Long.MAX_VALUE, Long.MIN_VALUE, -1 }) {
			assertEquals(Long.toString(v), SpecDialog.shown(seed, Long.toString(v)), "every digit of seed " + v);
			assertEquals(v, seed.parse(SpecDialog.shown(seed, Long.toString(v))));
		}
		Parameter steps = CommandSpecs.ATTRIBUTION.get("steps");
		assertEquals("32", SpecDialog.shown(steps, "32.0"), "a whole number as an integer");
		// nothing remembered: the default
		assertEquals("0.15", SpecDialog.shown(CommandSpecs.ATTRIBUTION.get("noise"), ""));
	}

	@Test
	void aRefusedDialogKeepsWhatWasTypedAndNamesTheKeyOfADecimalComma() {
		CommandSpec spec = CommandSpecs.ATTRIBUTION;
		Map<String, String> typed = new LinkedHashMap<>();
		for (Parameter p : spec.parameters().list()) typed.put(p.key(), p.defaultText());
		typed.put("model", "/models/ihc-stain");
		typed.put("noise", "0,25");
		typed.put("steps", "48");
		Map<String, String> remembered = new LinkedHashMap<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpecDialog.accept(spec, typed, remembered::put));
		assertEquals("noise must be a number at least 0, got '0,25': write decimals with a point, as in 0.25.", e.getMessage());
		assertEquals(typed, remembered, "everything typed is remembered, the refused field too");
		// the next dialog shows what was typed, to be corrected
		assertEquals("0,25", SpecDialog.shown(spec.get("noise"), remembered.get("noise")));
		assertEquals("48", SpecDialog.shown(spec.get("steps"), remembered.get("steps")));
		// a field emptied: its key named, the text kept
		typed.put("noise", "");
		e = assertThrows(IllegalArgumentException.class, () -> SpecDialog.accept(spec, typed, remembered::put));
		assertTrue(e.getMessage().startsWith("noise must be a number at least 0, got ''"), e.getMessage());
		typed.put("noise", "0.25");
		assertEquals(0.25, SpecDialog.accept(spec, typed, remembered::put).number("noise"));
		assertEquals("0.25", remembered.get("noise"));
	}
}
