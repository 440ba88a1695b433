package org.conceptscope.fiji;

import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.RegionExplanations;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.io.RoiEncoder;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.conceptscope.attribution.Saliency;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ROIs, dense-output models and the out-of-domain warning as users run them: macros in ImageJ 1.x
 * calling the Attribution command on scikit-image's ihc.png (512x512) with a RoiSet.zip written as
 * the ROI Manager writes it, with a selection and the segmentation network trained in Java
 * (test-images/models/ihc-segmentation), and with the image's negative.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionsMacroTest {

	@TempDir
	static Path work;

	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path classifier = TestFiles.testImages().resolve("models/ihc-stain");
	private final Path segmentation = TestFiles.testImages().resolve("models/ihc-segmentation");
	private Path zip;
	private Map<String, String> logs;
	private final Roi oval = new OvalRoi(100, 200, 40, 30), box = new Roi(300, 60, 20, 12);
	// drawn past the image's edges (bottom right; left, at a negative x): explained as their parts inside
	private final Roi edge = new Roi(480, 470, 60, 60), left = new OvalRoi(-20, 100, 60, 40), far = new Roi(600, 600, 10, 10);
	private Path edgeZip, farZip;

	@BeforeAll
	void runTheMacros() throws Exception {
		oval.setName("gland");
		box.setName("stroma");
		zip = work.resolve("RoiSet.zip");
		try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
			for (Roi r : List.of(oval, box)) {
				z.putNextEntry(new ZipEntry(r.getName() + ".roi"));
				z.write(RoiEncoder.saveAsByteArray(r));
				z.closeEntry();
			}
		}
		edge.setName("edge");
		left.setName("left");
		far.setName("far");
		edgeZip = work.resolve("edge.zip");
		farZip = work.resolve("far.zip");
		BatchRoisTest.roiSet(edgeZip, edge, left);
		BatchRoisTest.roiSet(farZip, far);
		String open = "setBatchMode(true);\nopen('" + ihc + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("zip", new Macro(open + "run('Attribution...', 'model=[" + classifier + "] method=saliency target=DAB-positive rois=[" + zip
			+ "] region=tiles save_dir=[" + work.resolve("zip") + "]');\nprint('result ' + getTitle() + ' ' + getWidth() + 'x' + getHeight());\n", ""));
		runs.put("selection", new Macro(open + "makeOval(200, 300, 24, 18);\nrun('Attribution...', 'model=[" + segmentation
			+ "] method=saliency target=DAB-positive rois=selection region=window save_dir=[" + work.resolve("selection") + "]');\n", ""));
		runs.put("negative", new Macro(open + "run('Invert');\nrun('Attribution...', 'model=[" + classifier + "] method=saliency output=image');\n", ""));
		runs.put("no selection", new Macro(open + "run('Attribution...', 'model=[" + classifier + "] rois=selection');\n", ""));
		runs.put("bad operator", new Macro(open + "run('Attribution...', 'model=[" + classifier + "] operator=segmentation');\n", ""));
		runs.put("edge", new Macro(open + "run('Attribution...', 'model=[" + classifier + "] method=saliency target=DAB-positive rois=[" + edgeZip
			+ "] region=tiles save_dir=[" + work.resolve("edge") + "]');\n", ""));
		runs.put("far", new Macro(open + "run('Attribution...', 'model=[" + classifier + "] method=saliency rois=[" + farZip + "]');\n", ""));
		runs.put("rise", new Macro(open + "run('Attribution...', 'model=[" + classifier + "] method=rise samples=8 grid=4 target=DAB-positive"
			+ " rois=[" + zip + "] region=tiles save_dir=[" + work.resolve("rise") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	static List<List<String>> csv(Path file) throws Exception {
		return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(l -> List.of(l.split(",", -1))).toList();
	}

	/** A ROI run's Log says its model passes before the work: each ROI's tiles (the table's tiles column) times the masks. */
	@Test
	void aRoiRunLogsThePassesOfItsRoisTiles() throws Exception {
		List<List<String>> rows = csv(work.resolve("rise/ihc-rise-regions.csv"));
		int column = rows.get(0).indexOf("tiles");
		long tiles = rows.subList(1, rows.size()).stream().mapToLong(r -> Long.parseLong(r.get(column))).sum();
		assertTrue(logs.get("rise").contains("ConceptScope Attribution: " + tiles + " tiles of 2 ROIs, 8 model passes each (RISE: one per mask): "
			+ 8 * tiles + " model passes."), logs.get("rise"));
	}

	@Test
	void eachRoiOfARoiSetIsExplainedAloneWithTheWholeImagesTiles() throws Exception {
		String log = logs.get("zip");
		assertTrue(log.contains("result ihc-saliency-regions 512x512"), log);
		List<List<String>> rows = csv(work.resolve("zip/ihc-saliency-regions.csv"));
		assertEquals(RegionExplanations.HEADER, rows.get(0));
		assertEquals(3, rows.size(), "one row per ROI: " + rows);
		assertEquals(List.of("gland", "stroma"), List.of(rows.get(1).get(0), rows.get(2).get(0)));
		assertEquals("DAB-positive", rows.get(1).get(11));
		ImagePlus maps = IJ.openImage(work.resolve("zip/ihc-saliency-regions.tif").toString());
		assertNotNull(maps);
		assertEquals(2, maps.getOverlay().size(), "the ROIs outlined");
		float[] m = (float[]) maps.getProcessor().getPixels();
		// on each ROI, the map is the whole-image map (the same tiles, blended the same way)
		ImagePlus image = IJ.openImage(ihc.toString());
		try (Classifier c = Models.open(classifier)) {
			float[] whole = Explainer.explain(c, image, new Saliency(), 2, "ihc-stain", null).map(0);
			int inside = 0;
			for (Roi r : List.of(oval, box)) {
				for (java.awt.Point p : r.getContainedPoints()) {
					int i = p.y * 512 + p.x;
					assertEquals(whole[i], m[i], 1e-5 * Math.max(1, Math.abs(whole[i])), "pixel " + p);
					inside++;
				}
			}
			assertTrue(inside > 1000);
		}
		assertTrue(Float.isNaN(m[0]) && Float.isNaN(m[511 * 512 + 511]), "far from every ROI nothing was explained");
		// the mean inside each ROI, as the table says
		double sum = 0;
		java.awt.Point[] points = box.getContainedPoints();
		for (java.awt.Point p : points) sum += m[p.y * 512 + p.x];
		assertEquals(sum / points.length, Double.parseDouble(rows.get(2).get(13)), 1e-4 * Math.abs(sum / points.length) + 1e-9);
	}

	/**
	 * ROIs drawn past the image's edges are explained as their parts inside it, with one note; the table,
	 * the map and the outlines give those clipped bounds; the batch runner, given the same RoiSet.zip,
	 * writes the same table, map and outlines; a ROI wholly outside is refused in one sentence.
	 */
	@Test
	void roisPastTheEdgeAreClippedAlikeByTheCommandAndTheBatchRunner() throws Exception {
		String log = logs.get("edge");
		String note = "2 ROIs 'edge' (480, 470, 60x60 clipped to 480, 470, 32x42), 'left' (-20, 100, 60x40 clipped to 0, 100, 40x40) of "
			+ edgeZip + " reach past the edge of the 512x512 image: each is explained on its part inside the image, and the table gives those bounds.";
		assertTrue(log.contains("ConceptScope note: " + note), log);
		List<List<String>> rows = csv(work.resolve("edge/ihc-saliency-regions.csv"));
		assertEquals(3, rows.size(), rows.toString());
		assertEquals(List.of("edge", "1", "1", "480", "470", "32", "42", "tiles"), rows.get(1).subList(0, 8));
		assertEquals(List.of("left", "1", "1", "0", "100", "40", "40", "tiles"), rows.get(2).subList(0, 8));
		ImagePlus maps = IJ.openImage(work.resolve("edge/ihc-saliency-regions.tif").toString());
		assertEquals(new java.awt.Rectangle(480, 470, 32, 42), maps.getOverlay().get(0).getBounds(), "the outline is the part inside");
		assertEquals(new java.awt.Rectangle(0, 100, 40, 40), maps.getOverlay().get(1).getBounds());
		float[] m = (float[]) maps.getProcessor().getPixels();
		try (Classifier c = Models.open(classifier)) {
			float[] whole = Explainer.explain(c, IJ.openImage(ihc.toString()), new Saliency(), 2, "ihc-stain", null).map(0);
			for (Roi r : List.of(edge, left)) {
				int inside = 0;
				for (java.awt.Point p : r.getContainedPoints()) {
					if (p.x < 0 || p.y < 0 || p.x >= 512 || p.y >= 512) continue;
					int i = p.y * 512 + p.x;
					assertEquals(whole[i], m[i], 1e-5 * Math.max(1, Math.abs(whole[i])), "pixel " + p);
					inside++;
				}
				assertTrue(inside > 1000, r.getName());
			}
		}

		// the batch runner, the same RoiSet.zip: the same note, table, map and outlines
		Path batchDir = work.resolve("edge-batch");
		java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
		java.io.PrintStream both = new java.io.PrintStream(text, true, StandardCharsets.UTF_8);
		int status = org.conceptscope.fiji.batch.Batch.run(new String[] { "input=" + ihc, "model=" + classifier, "save_dir=" + batchDir,
			"method=saliency", "target=DAB-positive", "rois=" + edgeZip, "region=tiles" }, both, both, null);
		String printed = text.toString(StandardCharsets.UTF_8);
		assertEquals(0, status, printed);
		assertTrue(printed.contains(note), printed);
		assertEquals(Files.readString(work.resolve("edge/ihc-saliency-regions.csv")), Files.readString(batchDir.resolve("ihc-saliency-regions.csv")));
		ImagePlus batchMaps = IJ.openImage(batchDir.resolve("ihc-saliency-regions.tif").toString());
		org.junit.jupiter.api.Assertions.assertArrayEquals(m, (float[]) batchMaps.getProcessor().getPixels());
		assertEquals(List.of(new java.awt.Rectangle(480, 470, 32, 42), new java.awt.Rectangle(0, 100, 40, 40)),
			RoiZip.read(batchDir.resolve("ihc-saliency-regions-RoiSet.zip")).stream().map(Roi::getBounds).toList());

		assertTrue(logs.get("far").contains("The ROI 'far' of " + farZip + " (600, 600, 10x10) lies outside the 512x512 image 'ihc.png'; check that"
			+ " the ROIs belong to this image."), logs.get("far"));
	}

	@Test
	void aSelectionOfASegmentationIsExplainedInAWindowWithinItsReceptiveField() throws Exception {
		assertFalse(logs.get("selection").contains("Error"), logs.get("selection"));
		List<List<String>> rows = csv(work.resolve("selection/ihc-saliency-regions.csv"));
		assertEquals(2, rows.size(), rows.toString());
		assertEquals("window", rows.get(1).get(7));
		assertEquals("1", rows.get(1).get(8));
		ImagePlus maps = IJ.openImage(work.resolve("selection/ihc-saliency-regions.tif").toString());
		float[] m = (float[]) maps.getProcessor().getPixels();
		Roi sel = new OvalRoi(200, 300, 24, 18);
		double near = 0, far = 0;
		int window = 0;
		for (int y = 0; y < 512; y++) {
			for (int x = 0; x < 512; x++) {
				float v = m[y * 512 + x];
				if (Float.isNaN(v)) continue;
				window++;
				boolean close = false;
				for (int dy = -2; dy <= 2 && !close; dy++) for (int dx = -2; dx <= 2; dx++) close |= sel.contains(x + dx, y + dy);
				if (close) near = Math.max(near, Math.abs(v));
				else far = Math.max(far, Math.abs(v));
			}
		}
		assertEquals(32 * 32, window, "one model-size window");
		assertTrue(near > 0 && far <= 1e-4 * near, "the segmentation sees 2 pixels around each output: near " + near + ", far " + far);
	}

	@Test
	void theNegativeOfTheImageGetsAnOutOfDomainLogLine() {
		String log = logs.get("negative");
		assertTrue(log.contains("ConceptScope warning: The image 'ihc.png' is far from what the model was trained on"), log);
		assertTrue(log.contains("training 0.670"), "the numbers of the card: " + log);
		assertFalse(logs.get("zip").contains("far from what the model was trained on"), logs.get("zip"));
	}

	@Test
	void missingSelectionsAndMisfitOperatorsGetOneSentence() {
		String log = logs.get("no selection");
		assertTrue(log.contains("rois=selection but the image 'ihc.png' has no selection"), log);
		log = logs.get("bad operator");
		assertTrue(log.contains("The segmentation operator explains maps [N, H, W, C], but the model's output is [-1, 3]"), log);
	}
}
