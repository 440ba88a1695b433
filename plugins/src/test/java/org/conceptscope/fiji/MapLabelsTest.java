package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.measure.Calibration;
import ij.plugin.FileInfoVirtualStack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.write.TiffStackWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Map planes carry the label the Attribution command gives them, {@code <short slice label> · method: target},
 * in the batch runner's map TIFF too (read back by ImageJ as a user opens it), and a DICOM's whole header
 * never becomes a map's label: its short label is the file name, as ImageJ shows it.
 */
class MapLabelsTest {

	@TempDir
	Path work;

	private final Path testImages = TestFiles.testImages();

	@Test
	void theWritersLabelsReadBackInImageJAlsoAsAVirtualStackBesideALongUnit() throws IOException {
		Calibration cal = new Calibration();
		cal.pixelWidth = cal.pixelHeight = 0.25;
		cal.setUnit("\u00B5".repeat(40)); // the longest unit, escaped: the description's fit check drops the origin
		cal.xOrigin = 3;
		Path ours = work.resolve("labelled.tif");
		List<String> labels = java.util.Arrays.asList("cell 1 \u00b7 saliency: DAB-positive", null, "", "\u00e9 \u00b7 saliency: x");
		try (TiffStackWriter w = new TiffStackWriter(ours, 3, 2, 2, 2, cal, 40)) {
			for (int i = 0; i < labels.size(); i++) w.write(new float[] { i, 1, 2, 3, 4, 5 }, labels.get(i));
			assertThrows(IllegalStateException.class, () -> w.write(new float[6], "fifth"), "all planes written");
			w.commit();
		}
		for (ImagePlus read : List.of(IJ.openImage(ours.toString()), FileInfoVirtualStack.openVirtual(ours.toString()))) {
			assertEquals(List.of(1, 2, 2), List.of(read.getNChannels(), read.getNSlices(), read.getNFrames()));
			assertEquals("cell 1 \u00b7 saliency: DAB-positive", read.getStack().getSliceLabel(1));
			assertEquals(null, read.getStack().getSliceLabel(2), "no label");
			assertEquals(null, read.getStack().getSliceLabel(3), "an empty label is none");
			assertEquals("\u00e9 \u00b7 saliency: x", read.getStack().getSliceLabel(4));
			assertEquals(3f, read.getStack().getProcessor(4).getf(0), "the pixels after the labels' room");
			assertEquals("\u00B5".repeat(40), read.getCalibration().getUnit());
		}
		try (TiffStackWriter w = new TiffStackWriter(work.resolve("short.tif"), 3, 2, 1, 1, null, 4)) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.write(new float[6], "12345"));
			assertEquals("The label of plane 1 has 5 characters, more than the 4 reserved.", e.getMessage());
		}
		assertTrue(Files.notExists(work.resolve("short.tif")), "nothing half-written");
	}

	@Test
	void theRunnersMapTiffOfALabelledStackHasTheCommandsLabels() throws IOException {
		ImagePlus patches = IJ.openImage(testImages.resolve(Demo.IMAGE).toString());
		Path stack = TestFiles.cyclingStack(patches, 3, work.resolve("three.tif")), out = work.resolve("out");
		run("input=" + stack, "model=" + testImages.resolve("models/ihc-stain"), "save_dir=" + out, "method=saliency");
		List<String> rows = Files.readAllLines(out.resolve("three-saliency-results.csv"));
		ImagePlus maps = IJ.openImage(out.resolve("three-saliency-map.tif").toString());
		for (int z = 1; z <= 3; z++) {
			assertEquals("patch " + z + " \u00b7 saliency: " + target(rows, z), maps.getStack().getSliceLabel(z));
		}
	}

	@Test
	void theRunnersMapOfACtSliceIsLabelledWithoutItsHeader() throws IOException {
		Path dicom = testImages.resolve("images/CT_small.dcm"), out = work.resolve("out");
		assertTrue(IJ.openImage(dicom.toString()).getStack().getSliceLabel(1).length() > 7000, "ImageJ's label holds the whole header");
		run("input=" + dicom, "model=" + testImages.resolve("models/ct-tissue"), "save_dir=" + out, "method=saliency");
		List<String> rows = Files.readAllLines(out.resolve("CT_small-saliency-results.csv"));
		ImagePlus maps = IJ.openImage(out.resolve("CT_small-saliency-map.tif").toString());
		assertEquals("saliency: " + target(rows, 1), maps.getStack().getSliceLabel(1));
	}

	/** A DICOM series opened as ImageJ's Image Sequence labels each slice "file name\nheader": the map plane shows the name. */
	@Test
	void theCommandsMapsOfADicomSeriesAreLabelledByFileNameNotHeader() throws Exception {
		Path series = Files.createDirectories(work.resolve("series"));
		for (String name : List.of("ct-01.dcm", "ct-02.dcm")) Files.copy(testImages.resolve("images/CT_small.dcm"), series.resolve(name));
		Path out = work.resolve("attr");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("series", new Macro("setBatchMode(true);\nFile.openSequence('" + series + "/');\n"
			+ "print('label length ' + lengthOf(getMetadata('Label')));\n"
			+ "run('Attribution...', 'model=[" + testImages.resolve("models/ct-tissue") + "] method=saliency output=image save_dir=[" + out
			+ "]');\n", ""));
		Map<String, String> logs = MacroRunner.run(runs, work);
		assertTrue(logs.get("series").matches("(?s).*label length \\d{4}\\b.*"), "ImageJ's label holds the whole header: " + logs.get("series"));
		List<String> rows = Files.readAllLines(out.resolve("series-saliency-results.csv"));
		ImagePlus maps = IJ.openImage(out.resolve("series-saliency-map.tif").toString());
		assertTrue(maps != null, logs.get("series") + " " + names(out));
		for (int z = 1; z <= 2; z++) {
			assertEquals("ct-0" + z + " \u00b7 saliency: " + target(rows, z), maps.getStack().getSliceLabel(z), logs.get("series"));
		}
	}

	/**
	 * Region maps (the Attribution command's and the batch runner's) and Sharing Ratio Decomposition's maps alone, on a
	 * labelled stack: each plane names its slice before what it shows, as the Attribution command's maps alone do
	 * (until 2026-12-07 these planes read only {@code saliency of regions} and {@code srd relevance}).
	 */
	@Test
	void regionMapsAndTheSrdMapsOfALabelledStackNameTheirSlices() throws Exception {
		ImagePlus patches = IJ.openImage(testImages.resolve(Demo.IMAGE).toString());
		Path stack = TestFiles.cyclingStack(patches, 3, work.resolve("three.tif")), zip = work.resolve("RoiSet.zip");
		ij.gui.Roi box = new ij.gui.Roi(4, 4, 16, 16);
		box.setName("box");
		BatchRoisTest.roiSet(zip, box); // no position: explained on every slice
		Path model = testImages.resolve("models/ihc-stain"), attr = work.resolve("attr"), srd = work.resolve("srd");
		String open = "setBatchMode(true);\nopen('" + stack + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("regions", new Macro(open + "run('Attribution...', 'model=[" + model + "] method=saliency rois=[" + zip + "] save_dir=["
			+ attr + "]');\nprint('still running');\n", ""));
		runs.put("srd", new Macro(open + "run('Sharing Ratio Decomposition...', 'model=[" + model + "] output=image save_dir=[" + srd
			+ "]');\nprint('still running');\n", ""));
		Map<String, String> logs = MacroRunner.run(runs, work);
		Path batch = work.resolve("batch");
		run("input=" + stack, "model=" + model, "save_dir=" + batch, "method=saliency", "rois=" + zip);
		ImagePlus command = IJ.openImage(attr.resolve("three-saliency-regions.tif").toString());
		ImagePlus runner = IJ.openImage(batch.resolve("three-saliency-regions.tif").toString());
		ImagePlus relevance = IJ.openImage(srd.resolve("three-srd-map.tif").toString());
		assertTrue(command != null && relevance != null, logs + " " + names(attr) + " " + names(srd));
		int maps = relevance.getNChannels();
		for (int z = 1; z <= 3; z++) {
			assertEquals("patch " + z + " \u00b7 saliency of regions", command.getStack().getSliceLabel(z), logs.get("regions"));
			assertEquals("patch " + z + " \u00b7 saliency of regions", runner.getStack().getSliceLabel(z), "as the command's");
			assertEquals("patch " + z + " \u00b7 srd relevance", relevance.getStack().getSliceLabel(relevance.getStackIndex(1, z, 1)));
			if (maps > 1) {
				assertTrue(relevance.getStack().getSliceLabel(relevance.getStackIndex(2, z, 1)).startsWith("patch " + z + " \u00b7 erf "),
					relevance.getStack().getSliceLabel(relevance.getStackIndex(2, z, 1)));
			}
		}
	}

	/** The concept label image of a DICOM series: each plane the file's name, not the header (it was the whole label). */
	@Test
	void theConceptLabelImageOfADicomSeriesHasShortLabels() {
		ImagePlus ct = IJ.openImage(testImages.resolve("images/CT_small.dcm").toString());
		String header = ct.getStack().getSliceLabel(1).substring("CT_small.dcm".length());
		ij.ImageStack stack = new ij.ImageStack(ct.getWidth(), ct.getHeight());
		stack.addSlice("ct-01.dcm" + header, ct.getProcessor().duplicate());
		stack.addSlice("\n" + header, ct.getProcessor().duplicate()); // a header with no name
		ImagePlus series = new ImagePlus("series", stack);
		org.conceptscope.concepts.ConceptBank bank = new org.conceptscope.concepts.ConceptBank();
		bank.model = "ct-tissue";
		bank.layer = "relu";
		bank.className = "tissue";
		ImagePlus labels = org.conceptscope.fiji.write.ConceptMapsWriter.labels(series,
			org.conceptscope.tensor.FloatTensor.zeros(2, ct.getHeight(), ct.getWidth(), 2), bank, 0);
		assertEquals("ct-01", labels.getStack().getSliceLabel(1));
		assertEquals(null, labels.getStack().getSliceLabel(2));
	}

	/** ImageJ 1.54p keeps a single image's label as its Slice_Label property: the table and the map keep it (they had none). */
	@Test
	void aSingleImagesOwnLabelReachesTheTableAndTheMap() {
		ij.ImageStack one = new ij.ImageStack(4, 3);
		one.addSlice("cell 7", new ij.process.ByteProcessor(4, 3));
		Path file = work.resolve("one.tif");
		assertTrue(new ij.io.FileSaver(new ImagePlus("one", one)).saveAsTiff(file.toString()));
		ImagePlus read = IJ.openImage(file.toString());
		assertEquals(1, read.getStackSize());
		assertEquals("cell 7", SliceLabels.of(read, 1, 1));
		assertEquals("cell 7 \u00b7 saliency: A", SliceLabels.mapLabel(SliceLabels.shortLabel(read, 1, 1), "saliency", "A"));
	}

	@Test
	void shortLabelsAreImageJs() {
		assertEquals("CT_small", SliceLabels.shorten("CT_small.dcm\n0002,0000  File Meta Information Group Length: 192"));
		assertEquals("", SliceLabels.shorten("\n0002,0000  File Meta Information Group Length: 192"), "a header with no name");
		assertEquals("scan.001", SliceLabels.shorten("scan.001"), "a number is no extension");
		assertEquals("x".repeat(60), SliceLabels.shorten("x".repeat(70)));
		assertEquals("saliency: A", SliceLabels.mapLabel("", "saliency", "A"));
		assertEquals(SliceLabels.mapLabel("y".repeat(60), "saliency", "tumour").length(),
			SliceLabels.longestMapLabel("saliency", List.of("A", "tumour")));
	}

	private static String names(Path dir) {
		return String.join(", ", TestFiles.names(dir));
	}

	/** The CSV's target of row (slice) z. */
	private static String target(List<String> rows, int z) {
		List<String> header = List.of(rows.get(0).split(","));
		return rows.get(z).split(",")[header.indexOf("target")];
	}

	private static void run(String... args) {
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(args, err, err, null), log.toString(StandardCharsets.UTF_8));
	}
}
