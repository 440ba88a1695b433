package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.io.RoiEncoder;

import java.awt.Point;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.Classifier;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.RegionExplanations;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ROIs in the command-line batch runner, run through its main as a user runs it: a folder of whole
 * images (scikit-image's ihc.png, 512x512, and its mirror image) with one RoiSet.zip per image
 * written by ImageJ's RoiEncoder (as the ROI Manager saves them), an image without one, and one
 * RoiSet.zip for a single image. Each ROI is explained with the tiles of the whole-image grid that
 * hold it, so on the ROI the map equals the whole image's map computed apart; one CSV row per ROI;
 * NaN where nothing was explained; a run killed after its first part resumes to the same results;
 * bad ROI files get one sentence before anything is written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchRoisTest {

	@TempDir
	static Path work;

	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private final Roi gland = new OvalRoi(100, 200, 40, 30), stroma = new Roi(300, 60, 20, 12);
	private final Roi triangle = new PolygonRoi(new int[] { 400, 440, 410 }, new int[] { 400, 410, 450 }, 3, Roi.POLYGON);
	private Path folder, roiFolder;

	@BeforeAll
	void makeTheFolders() throws IOException {
		gland.setName("gland");
		stroma.setName("stroma");
		triangle.setName("triangle");
		folder = Files.createDirectories(work.resolve("slides"));
		Files.copy(ihc, folder.resolve("a.png"));
		ImagePlus mirror = IJ.openImage(ihc.toString());
		mirror.getProcessor().flipHorizontal();
		assertTrue(new ij.io.FileSaver(mirror).saveAsPng(folder.resolve("b.png").toString()));
		Files.copy(ihc, folder.resolve("c.png"));
		// ROI files named after the images, beside them (as roiManager("save", dir + name + ".zip") writes them); c.png has none.
		roiFolder = folder;
		roiSet(folder.resolve("a.zip"), gland, stroma);
		roiSet(folder.resolve("b.zip"), triangle);
	}

	static void roiSet(Path zip, Roi... rois) throws IOException {
		try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
			for (Roi r : rois) {
				z.putNextEntry(new ZipEntry(r.getName() + ".roi"));
				z.write(RoiEncoder.saveAsByteArray(r));
				z.closeEntry();
			}
		}
	}

	private List<String> args(Path input, Path saveDir, String... more) {
		List<String> a = new ArrayList<>(List.of("input=" + input, "model=" + model, "save_dir=" + saveDir, "method=saliency",
			"target=DAB-positive"));
		a.addAll(List.of(more));
		return a;
	}

	private static String run(int status, List<String> arguments) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(text, true, StandardCharsets.UTF_8);
		int got = Batch.run(arguments.toArray(new String[0]), both, both, null);
		String printed = text.toString(StandardCharsets.UTF_8);
		assertEquals(status, got, printed);
		return printed;
	}

	@Test
	void aFolderWithOneRoiSetPerImageGetsOneRowPerRoiAndTheWholeImageMapOnEachRoi() throws Exception {
		Path out = work.resolve("folder-out");
		String printed = run(0, args(folder, out, "rois=" + roiFolder, "region=tiles", "batch=1"));
		assertTrue(printed.contains("No ROI file for 1 of 3 images (c.png): they get no row."), printed);

		List<List<String>> rows = Csv.parse(Files.readString(out.resolve("slides-saliency-regions.csv"), StandardCharsets.UTF_8));
		List<String> header = new ArrayList<>(List.of("file"));
		header.addAll(RegionExplanations.HEADER);
		assertEquals(header, rows.get(0));
		assertEquals(4, rows.size(), "one row per ROI: " + rows);
		assertEquals(List.of("a.png", "gland"), rows.get(1).subList(0, 2));
		assertEquals(List.of("a.png", "stroma"), rows.get(2).subList(0, 2));
		assertEquals(List.of("b.png", "triangle"), rows.get(3).subList(0, 2));
		assertEquals(List.of("100", "200", "40", "30", "tiles"), rows.get(1).subList(4, 9));
		for (int r = 1; r < 4; r++) assertEquals("DAB-positive", rows.get(r).get(header.indexOf("target")));

		ImagePlus maps = IJ.openImage(out.resolve("slides-saliency-regions.tif").toString());
		assertNotNull(maps);
		assertEquals(3, maps.getStackSize(), "one plane per image");
		assertEquals(512, maps.getWidth());
		try (Classifier c = Models.open(model)) {
			float[] wholeA = Explainer.explain(c, IJ.openImage(folder.resolve("a.png").toString()), new Saliency(), 2, "ihc-stain", null).map(0);
			float[] wholeB = Explainer.explain(c, IJ.openImage(folder.resolve("b.png").toString()), new Saliency(), 2, "ihc-stain", null).map(0);
			assertOnRois(wholeA, (float[]) maps.getStack().getPixels(1), List.of(gland, stroma), rows.subList(1, 3));
			assertOnRois(wholeB, (float[]) maps.getStack().getPixels(2), List.of(triangle), rows.subList(3, 4));
		}
		float[] c = (float[]) maps.getStack().getPixels(3);
		for (float v : c) assertTrue(Float.isNaN(v), "c.png has no ROI: nothing explained");

		List<Roi> outlines = RoiZip.read(out.resolve("slides-saliency-regions-RoiSet.zip"));
		assertEquals(List.of("a.png; gland", "a.png; stroma", "b.png; triangle"), outlines.stream().map(Roi::getName).toList());
		assertEquals(List.of(1, 1, 2), outlines.stream().map(Roi::getPosition).toList(), "each outline on its image's plane");
		assertEquals(stroma.getBounds(), outlines.get(1).getBounds());
	}

	/** On every ROI pixel the map is the whole-image map; far from all ROIs it is NaN; the table's mean is the map's. */
	private static void assertOnRois(float[] whole, float[] map, List<Roi> rois, List<List<String>> rows) {
		for (int k = 0; k < rois.size(); k++) {
			Point[] points = rois.get(k).getContainedPoints();
			assertTrue(points.length > 100);
			double sum = 0;
			for (Point p : points) {
				int i = p.y * 512 + p.x;
				assertEquals(whole[i], map[i], 1e-5 * Math.max(1, Math.abs(whole[i])), "pixel " + p);
				sum += map[i];
			}
			double mean = Double.parseDouble(rows.get(k).get(1 + 13));
			assertEquals(sum / points.length, mean, 1e-4 * Math.abs(mean) + 1e-9, rows.get(k).toString());
		}
		assertTrue(Float.isNaN(map[0]) && Float.isNaN(map[256 * 512 + 10]), "far from every ROI nothing was explained");
	}

	@Test
	void oneRoiSetForAnImageWithWindowsGivesOneModelSizeWindowPerRoi() throws Exception {
		Path zip = work.resolve("RoiSet.zip"), out = work.resolve("window-out");
		roiSet(zip, gland, triangle);
		run(0, args(ihc, out, "rois=" + zip, "region=window"));
		List<List<String>> rows = Csv.parse(Files.readString(out.resolve("ihc-saliency-regions.csv"), StandardCharsets.UTF_8));
		assertEquals(RegionExplanations.HEADER, rows.get(0), "a single image: no file column");
		assertEquals(List.of("gland", "triangle"), List.of(rows.get(1).get(0), rows.get(2).get(0)));
		assertEquals(List.of("window", "1"), rows.get(1).subList(7, 9));
		float[] map = (float[]) IJ.openImage(out.resolve("ihc-saliency-regions.tif").toString()).getProcessor().getPixels();
		int explained = 0;
		for (float v : map) if (!Float.isNaN(v)) explained++;
		assertEquals(2 * 32 * 32, explained, "two separate 32x32 windows");
		// the gland's window is centred on its box: (120, 215) - 16
		assertFalse(Float.isNaN(map[(215 - 16) * 512 + 120 - 16]));
		assertTrue(Float.isNaN(map[(215 - 17) * 512 + 120 - 16]));
	}

	@Test
	void aRunKilledAfterItsFirstPartResumesToTheResultsOfAnUninterruptedRun() throws Exception {
		Path halted = work.resolve("halted"), whole = work.resolve("whole");
		List<String> arguments = args(folder, halted, "rois=" + roiFolder, "batch=1");
		List<String> childArgs = new ArrayList<>(List.of("1", "0"));
		childArgs.addAll(arguments);
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m", "-Djava.awt.headless=true"),
			BatchChild.class, childArgs));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Process child = pb.redirectErrorStream(true).redirectOutput(work.resolve("child.txt").toFile()).start();
		assertTrue(child.waitFor(3, TimeUnit.MINUTES));
		assertEquals(BatchChild.HALTED, child.exitValue(), Files.readString(work.resolve("child.txt")));
		assertEquals(List.of("part-000000.bin"), TestFiles.names(halted.resolve(BatchJob.WORK_DIR).resolve(BatchJob.PARTS)));

		String printed = run(0, arguments);
		assertTrue(printed.contains("Resuming: 1 of 3 parts"), printed);
		assertTrue(printed.contains("2 parts computed by this run, 1 by earlier runs"), printed);
		run(0, args(folder, whole, "rois=" + roiFolder, "batch=1"));
		assertEquals(Files.readString(whole.resolve("slides-saliency-regions.csv")), Files.readString(halted.resolve("slides-saliency-regions.csv")));
		ImagePlus a = IJ.openImage(whole.resolve("slides-saliency-regions.tif").toString());
		ImagePlus b = IJ.openImage(halted.resolve("slides-saliency-regions.tif").toString());
		for (int z = 1; z <= 3; z++) assertArrayEquals((float[]) a.getStack().getPixels(z), (float[]) b.getStack().getPixels(z), "plane " + z);
		assertEquals(RoiZip.read(whole.resolve("slides-saliency-regions-RoiSet.zip")).stream().map(Roi::getName).toList(),
			RoiZip.read(halted.resolve("slides-saliency-regions-RoiSet.zip")).stream().map(Roi::getName).toList());

		// the same ROI files at another path are the same run: complete, not refused
		Path copy = Files.createDirectories(work.resolve("moved-rois"));
		try (java.util.stream.Stream<Path> files = Files.list(roiFolder)) {
			for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, copy.resolve(f.getFileName()));
		}
		String again = run(0, args(folder, halted, "rois=" + copy, "batch=1"));
		assertTrue(again.contains("Already complete"), again);

		// other ROI files: the unfinished-or-finished run is not mixed with them
		Path other = Files.createDirectories(work.resolve("other-rois"));
		roiSet(other.resolve("a.zip"), stroma);
		String refused = run(1, args(folder, halted, "rois=" + other, "batch=1"));
		assertTrue(refused.contains("differs in the ROI files"), refused);
	}

	@Test
	void badRoiFilesGetOneSentenceBeforeAnythingIsWritten() throws Exception {
		Path out = work.resolve("refused");
		Path notZip = Files.writeString(work.resolve("notes.zip"), "these are not ROIs");
		String m = run(1, args(ihc, out, "rois=" + notZip));
		assertTrue(m.contains("ConceptScope batch: " + notZip + " is not a RoiSet.zip") || m.contains(notZip + " holds no ROI"), m);
		m = run(1, args(ihc, out, "rois=" + work.resolve("missing.zip")));
		assertTrue(m.contains("The ROI file " + work.resolve("missing.zip") + " does not exist"), m);
		m = run(1, args(ihc, out, "rois=selection"));
		assertTrue(m.contains("The batch runner has no open image or ROI Manager (rois=selection)"), m);
		Path outside = work.resolve("outside.zip");
		Roi far = new Roi(600, 600, 10, 10);
		far.setName("far");
		roiSet(outside, far);
		m = run(1, args(ihc, out, "rois=" + outside));
		assertTrue(m.contains("The ROI 'far' of " + outside + " (600, 600, 10x10) lies outside the 512x512 images"), m);
		Path beyond = work.resolve("beyond.zip"), patches = TestFiles.testImages().resolve("images/ihc-heldout-patches.tif");
		Roi late = new Roi(2, 2, 10, 10);
		late.setName("late");
		late.setPosition(0, 9999, 1);
		roiSet(beyond, late);
		m = run(1, args(patches, out, "rois=" + beyond));
		assertTrue(m.contains("The ROI 'late' of " + beyond + " lies on slice 9999, frame 1, beyond the "), m);
		// an RGB stack's stack positions count slices (3 values per pixel, one plane each): one past them is refused before any work
		int slices = IJ.openImage(patches.toString()).getStackSize();
		Roi past = new Roi(2, 2, 10, 10);
		past.setName("late");
		past.setPosition(slices + 1);
		roiSet(beyond, past);
		m = run(1, args(patches, out, "rois=" + beyond));
		assertTrue(m.contains("The ROI 'late' of " + beyond + " lies on stack position " + (slices + 1) + ", beyond the " + slices + " slice(s)"), m);
		Path empty = Files.createDirectories(work.resolve("no-rois-here"));
		m = run(1, args(folder, out, "rois=" + empty));
		assertTrue(m.contains("The ROI folder " + empty + " holds no ROI file for any input image (for 'a.png' it looks for a.zip, a.roi"), m);
		for (String line : m.strip().split("\n")) assertTrue(line.startsWith("ConceptScope batch: "), "one sentence: " + m);
		assertFalse(Files.exists(out), "nothing was written");
	}
}
