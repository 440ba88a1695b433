package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link FileNames}: a hint only where the locale's encoding cannot write the name. */
class FileNamesTest {

	@Test
	void onlyNamesTheEncodingCannotWriteGetTheHint() {
		assertEquals("", FileNames.unwritableHint("/data/ihc \u00e9.tif", "UTF-8"), "UTF-8 writes every name");
		assertEquals("", FileNames.unwritableHint("/data/ihc e.tif", "ANSI_X3.4-1968"), "ASCII writes ASCII names");
		assertEquals("", FileNames.unwritableHint("/data/ihc \u00e9.tif", "ISO-8859-1"), "Latin-1 writes \u00e9");
		assertTrue(FileNames.unwritableHint("/data/ihc \u00e9.tif", "ANSI_X3.4-1968").contains("start it with LANG=C.UTF-8"));
		// a name listed from a folder in ASCII: its letters are already replacement characters
		assertTrue(FileNames.unwritableHint("/data/ihc \uFFFD\uFFFD.tif", "ANSI_X3.4-1968").startsWith(" Java reads file names here as US-ASCII"));
		assertTrue(FileNames.unwritableHint("/data/\u4e2d.tif", "ISO-8859-1").contains("ISO-8859-1"));
	}
}
