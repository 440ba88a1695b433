package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.conceptscope.fiji.run.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ROIs ConceptScope puts in the ROI Manager are not explained as the user's by a later
 * rois=manager run: a macro with a display ({@link OwnRoisGuiChild}, under Xvfb; skipped, with the
 * reason, where there is none) explains a slice, adds one ROI of its own and explains the ROI
 * Manager; the second run's table has the user's ROI alone, the Log says what was left out, and
 * the mark survives a RoiSet.zip saved from the ROI Manager.
 */
class OwnRoisGuiTest {

	@TempDir
	Path dir;

	@Test
	void roisManagerLeavesOutTheOutlinesOfAnEarlierRun() throws Exception {
		XServer.assumeAvailable();
		Path testImages = TestFiles.testImages();
		Path model = testImages.resolve("models/ihc-stain"), stack = testImages.resolve(Demo.IMAGE);
		Path out = Files.createDirectories(dir.resolve("out"));
		try (XServer server = XServer.start(dir.resolve("xvfb.txt"))) {
			Path console = out.resolve("console.txt");
			int status = server.runImageJ(dir, OwnRoisGuiChild.class, List.of(model.toString(), stack.toString(), out.toString()), console, 3);
			Properties r = new Properties();
			try (InputStream in = Files.newInputStream(out.resolve("report.properties"))) {
				r.load(in);
			}
			String log = Files.readString(console);
			assertEquals(0, status, r.getProperty("failure") + "\n" + log);
			assertEquals("true", r.getProperty("done"), log);
			// the manager: the first run's outline (marked) and the user's ROI (not)
			assertEquals("true;false", r.getProperty("manager.own"), r.getProperty("manager.names"));
			assertEquals("mine", r.getProperty("manager.names").split("\n")[1]);
			// the rois=manager run explained the user's ROI alone
			assertEquals("mine", r.getProperty("regions.rois"), r.getProperty("tables") + "\n" + log);
			String ijLog = r.getProperty("log");
			assertTrue(ijLog.contains("rois=manager left out 1 of the ROI Manager's 2 ROIs: ConceptScope added them itself"), ijLog);
			// saved from the ROI Manager and read back, the outline is still ConceptScope's
			assertEquals("true", r.getProperty("saved.own"));
		}
	}

	@Test
	void onlyConceptScopesOwnRoisInTheManagerIsRefusedInOneSentence() {
		ij.gui.Roi outline = org.conceptscope.fiji.image.OwnRois.mark(new ij.gui.Roi(0, 0, 4, 4));
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> org.conceptscope.fiji.image.OwnRois.usersOf(new ij.gui.Roi[] { outline }, "rois=manager", "do this"));
		assertEquals("rois=manager: the ROI Manager holds only 1 ROI(s) that ConceptScope added itself (the outlines of earlier results, property"
			+ " conceptscope=output), which it leaves out: add your own ROIs to it, or do this.", e.getMessage());
		ij.gui.Roi mine = new ij.gui.Roi(1, 1, 3, 3);
		assertEquals(List.of(mine), org.conceptscope.fiji.image.OwnRois.usersOf(new ij.gui.Roi[] { outline, mine }, "rois=manager", "do this"));
	}
}
