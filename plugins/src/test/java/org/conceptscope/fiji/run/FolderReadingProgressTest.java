package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.fiji.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a folder of images reports each file to the command's progress ("reading images", files
 * done of all) and stops when asked, before any image goes through the model: Concept Discovery on a folder of 6
 * images, cancelled after 3 are read, writes nothing.
 */
class FolderReadingProgressTest {

	@TempDir
	Path work;

	@Test
	void aFolderReadIsReportedFileByFileAndCanBeStopped() throws Exception {
		Path folder = Files.createDirectories(work.resolve("images"));
		for (int i = 0; i < 6; i++) assertTrue(IJ.saveAsTiff(new ImagePlus("i" + i, new ColorProcessor(32, 32)), folder.resolve("i" + i + ".tif").toString()));
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = TestFiles.testImages().resolve("models/ihc-stain");
		s.folder = folder;
		s.saveDir = work.resolve("out");
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> ConceptDiscoveryRun.run(null, s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return !(message.equals("reading images") && done == 3);
		}));
		assertEquals(List.of("reading images 0/6", "reading images 1/6", "reading images 2/6", "reading images 3/6"), reports);
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}

	/** Hidden files ("._i0.tif", the resource files macOS leaves on shared disks) are not images: skipped, as ImageJ skips them. */
	@Test
	void hiddenFilesAreSkipped() throws Exception {
		Path folder = Files.createDirectories(work.resolve("with-hidden"));
		assertTrue(IJ.saveAsTiff(new ImagePlus("i0", new ColorProcessor(32, 32)), folder.resolve("i0.tif").toString()));
		Files.write(folder.resolve("._i0.tif"), new byte[] { 0, 5, 22, 7, 0, 2, 0, 0 }); // AppleDouble, not a TIFF
		assertEquals(List.of(folder.resolve("i0.tif")), org.conceptscope.fiji.image.ImageSet.files(folder));
		assertEquals(1, org.conceptscope.fiji.image.ImageSet.ofFolder(folder).images().size());
	}

	/** A folder of class subfolders counts its files over all subfolders: Train Interpretable Head stopped after 5 of 3 x 3. */
	@Test
	void classSubfoldersAreReportedAcrossThemAndCanBeStopped() throws Exception {
		Path data = work.resolve("data");
		org.conceptscope.testmodels.LabelledPatchFolders.ihcFiles(data, 3);
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = TestFiles.testImages().resolve("models/ihc-stain");
		s.folder = data;
		s.saveDir = work.resolve("head-out");
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> HeadTrainingRun.run(s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return !(message.equals("reading images") && done == 5);
		}));
		List<String> want = new ArrayList<>();
		for (int i = 0; i <= 5; i++) want.add("reading images " + i + "/9");
		assertEquals(want, reports, "one count over the three class subfolders");
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}
}
