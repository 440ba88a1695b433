package org.conceptscope.fiji.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.run.AttributionSettings;
import org.junit.jupiter.api.Test;

/** Macro options as ImageJ writes them, read with exact keys. */
class MacroOptionsTest {

	private static final List<String> KEYS = List.of("model", "fraction", "top_fraction", "steps", "per_channel", "seed");

	@Test
	void bracketsFlagsAndExactKeys() {
		MacroOptions o = MacroOptions.parse("model=[/data/my models/ihc] top_fraction=0.2 per_channel steps=8.0 ", "Test", KEYS);
		assertEquals(Path.of("/data/my models/ihc"), o.path("model"));
		assertEquals("0.2", o.text("top_fraction", ""));
		assertFalse(o.has("fraction"), "'fraction=' inside 'top_fraction=' is not the key 'fraction'");
		assertEquals("0.5", o.text("fraction", "0.5"), "absent keys give the fallback");
		assertEquals("true", o.text("per_channel", ""), "a bare word is a checked box");
		assertEquals("8.0", o.text("steps", ""));
	}

	/** One scanner reads macro option text for both readers: the strict one here and the declarations' ({@link OptionText#macro}). */
	@Test
	void pathsWithBracketsAndSpacesReadTheSameByBothReaders() {
		String text = "model=[/data/run [2]/my models] save_dir=[/out]dir/a b] top_fraction=0.2 per_channel steps=[8]";
		java.util.Map<String, String> scanned = new java.util.LinkedHashMap<>();
		OptionText.scan(text, "Test", scanned::put);
		assertEquals(java.util.Map.of("model", "/data/run [2]/my models", "save_dir", "/out]dir/a b", "top_fraction", "0.2",
			"per_channel", "true", "steps", "8"), scanned, "a ']' inside a value ends it only before a space or the end");
		assertEquals(List.of("model", "save_dir", "top_fraction", "per_channel", "steps"), List.copyOf(scanned.keySet()), "in order");
		MacroOptions strict = MacroOptions.parse(text, "Test", List.of("model", "save_dir", "top_fraction", "per_channel", "steps"));
		assertEquals(scanned, strict.values());
		assertEquals(Path.of("/out]dir/a b"), strict.path("save_dir"));
		AttributionSettings s = AttributionSettings.parse("model=[/data/run [2]/my models] method=sobol save_dir=[/out]dir/a b]");
		assertEquals(Path.of("/data/run [2]/my models"), s.model());
		assertEquals(s.toMacroOptions(), AttributionSettings.parse(s.toMacroOptions()).toMacroOptions(), "written and read back");
		java.util.Map<String, String> args = new java.util.LinkedHashMap<>();
		OptionText.scan(new String[] { "model=/data/run [2]/a=b", "per_channel", " " }, args::put);
		assertEquals(java.util.Map.of("model", "/data/run [2]/a=b", "per_channel", "true"), args, "arguments: split by the shell already");
		assertEquals("Test: the value of 'model' opens '[' but never closes it.",
			assertThrows(IllegalArgumentException.class, () -> OptionText.scan("model=[/a]b", "Test", (k, v) -> {})).getMessage());
	}

	@Test
	void mistakesAreNamed() {
		assertEquals("Test has no option 'stepz'; its keys are: model fraction top_fraction steps per_channel seed.",
			message("model=[x] stepz=3"));
		assertEquals("Test: 'steps' is given twice.", message("steps=3 steps=4"));
		assertEquals("Test: the value of 'model' opens '[' but never closes it.", message("model=[/a b"));
	}

	@Test
	void aRecordedAttributionLineBecomesSettings() {
		AttributionSettings s = AttributionSettings.parse("model=[/models/ihc stain] method=sobol target=[soft tissue] grid=6"
			+ " designs=16 seed=3 blur_sigma=2 per_channel output=image top_fraction=0.05 save_dir=[/out dir]");
		assertEquals(Path.of("/models/ihc stain"), s.model());
		assertEquals("sobol", s.method());
		assertEquals("soft tissue", s.target());
		assertEquals(6, s.grid());
		assertEquals(16, s.designs());
		assertEquals(3, s.seed());
		assertEquals(2.0, s.blurSigma(), 0);
		assertTrue(s.perChannel());
		assertEquals("image", s.output());
		assertEquals(0.05, s.topFraction(), 0);
		assertEquals(Path.of("/out dir"), s.saveDir());
	}

	private static String message(String options) {
		return assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse(options, "Test", KEYS)).getMessage();
	}
}
