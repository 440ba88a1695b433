package org.conceptscope.fiji.write;

import org.conceptscope.fiji.Csv;
import org.conceptscope.fiji.RoiZip;
import org.conceptscope.fiji.SyntheticExplanations;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.TopFractionMask;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.plugin.LutLoader;
import ij.process.ByteProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writers on explanations with known maps (no model needed). */
public class WritersTest {

	/** The class map of a tiled image holds k + 1 planes per slice: a 1000-class model's is refused before the tiles run, with its size. */
	@Test
	void aClassMapTooLargeForTheHeapIsRefusedUpFront() {
		ImagePlus image = new ImagePlus("whole-slide", new ByteProcessor(4096, 4096));
		ClassMapWriter.checkMemory(image, 3); // 4 planes of 64 MB: fits
		long heap = Runtime.getRuntime().maxMemory();
		int classes = (int) Math.min(100_000, heap / (4L * 4096 * 4096)) + 10; // more planes than the heap holds
		String m = assertThrows(IllegalArgumentException.class, () -> ClassMapWriter.checkMemory(image, classes)).getMessage();
		assertTrue(m.startsWith("The class map of 'whole-slide' (" + (classes + 1) + " planes per slice: a probability per class and the label image)"), m);
	}

	private static final int W = 10, H = 10, N = 3;

	@TempDir
	Path dir;

	/**
	 * A map's display range comes from its finite values only: a first plane without any (a regions map's slice
	 * with no ROI, all NaN) or a constant one does not pin it to [0, 1] or [c, c + 1] for the planes after it.
	 */
	@Test
	void planesWithoutValuesOrWithOneValueDoNotFixTheDisplayRange() {
		float[] none = new float[16], small = new float[16], constant = new float[16];
		java.util.Arrays.fill(none, Float.NaN);
		for (int i = 0; i < small.length; i++) small[i] = 0.001f * i;
		java.util.Arrays.fill(constant, 0.003f);
		double[] range = HeatmapWriter.widen(HeatmapWriter.widen(null, none), small);
		assertArrayEquals(new double[] { 0, 0.015f }, HeatmapWriter.shown(range), 1e-9);
		range = HeatmapWriter.widen(HeatmapWriter.widen(null, constant), small);
		assertArrayEquals(new double[] { 0, 0.015f }, HeatmapWriter.shown(range), 1e-9);
		assertArrayEquals(new double[] { 0, 1 }, HeatmapWriter.shown(HeatmapWriter.widen(null, none)), 0);
		assertArrayEquals(new double[] { 0.003f, 0.003f + 1.0 }, HeatmapWriter.shown(HeatmapWriter.widen(null, constant)), 1e-9);
	}

	@Test
	void topFractionKeepsTheLargestValues() {
		float[] ramp = new float[100];
		for (int i = 0; i < ramp.length; i++) ramp[i] = i;
		assertEquals(10, count(TopFractionMask.of(ramp, 10, 10, 0.1)));
		ByteProcessor mask = TopFractionMask.of(ramp, 10, 10, 0.15);
		for (int i = 0; i < 100; i++) assertEquals(i >= 85, mask.get(i) != 0, "pixel " + i);
	}

	@Test
	void topFractionNeverKeepsTheMinimumOrNaN() {
		float[] sparse = new float[100];
		sparse[3] = 1;
		sparse[50] = 2;
		sparse[7] = Float.NaN;
		ByteProcessor mask = TopFractionMask.of(sparse, 10, 10, 0.1);
		assertEquals(2, count(mask), "the 98 zero/NaN pixels are not part of the top 10 %");
		assertEquals(0, count(TopFractionMask.of(new float[100], 10, 10, 0.1)), "a constant map marks nothing");
		assertThrows(IllegalArgumentException.class, () -> TopFractionMask.of(sparse, 10, 10, 0));
		assertThrows(IllegalArgumentException.class, () -> TopFractionMask.of(sparse, 10, 10, 1.5));
	}

	@Test
	void roisOutlineTheTopFractionWithNamesPositionsAndProperties() throws IOException {
		Explanation e = SyntheticExplanations.rgbRamp(W, H, N);
		List<Roi> rois = RoiWriter.rois(e, 0.1, HeatmapWriter.build(e));
		Path zip = dir.resolve("RoiSet.zip");
		RoiWriter.save(rois, zip);
		List<Roi> read = RoiZip.read(zip);
		assertEquals(N, read.size());
		for (int b = 0; b < N; b++) {
			Roi roi = read.get(b);
			String target = SyntheticExplanations.CLASSES.get(b % 3);
			assertEquals("ramp; " + target + "; slice=" + (b + 1), roi.getName());
			assertEquals(b + 1, roi.getZPosition());
			assertEquals(1, roi.getTPosition());
			assertEquals(0, roi.getCPosition(), "all channels");
			// Map value y * 10 + x: the top 10 % is the last row.
			assertEquals(new Rectangle(0, 9, 10, 1), roi.getBounds());
			assertEquals(10, roi.getContainedPoints().length);
			assertEquals(94.5 + 1000 * b, Double.parseDouble(roi.getProperty("score")), 1e-3);
			assertEquals(target, roi.getProperty("target"));
			assertEquals("ramp", roi.getProperty("method"));
			assertEquals("10", roi.getProperty("pixels"));
		}
		assertEquals(List.of("RoiSet.zip"), TestFiles.names(dir));
	}

	@Test
	void heatmapHasImageChannelsPlusMapAndLeavesTheInputAlone() throws IOException {
		Explanation e = SyntheticExplanations.rgbRamp(W, H, N);
		ImagePlus input = e.image();
		ImagePlus before = input.duplicate();
		CompositeImage heat = HeatmapWriter.build(e);
		assertNotSame(input, heat);
		checkHeatmap(e, heat);
		assertEquals("ramp.tif", input.getTitle());
		assertNull(input.getProperty("Info"));
		assertFalse(input.isComposite());
		for (int i = 1; i <= N; i++) {
			assertArrayEquals((int[]) before.getStack().getPixels(i), (int[]) input.getStack().getPixels(i));
		}

		Path tif = dir.resolve("heat.tif");
		HeatmapWriter.save(heat, tif);
		ImagePlus reopened = IJ.openImage(tif.toString());
		checkHeatmap(e, reopened);
		assertTrue(((String) reopened.getProperty("Info")).contains("method=ramp"));
		assertEquals(List.of("heat.tif"), TestFiles.names(dir));
	}

	@Test
	void heatmapOfCalibratedImageHoldsCalibratedValues() {
		short[] p = new short[W * H];
		for (int i = 0; i < p.length; i++) p[i] = (short) (i * 10);
		ImagePlus ct = new ImagePlus("ct", new ShortProcessor(W, H, p, null));
		Calibration cal = ct.getCalibration();
		cal.setFunction(Calibration.STRAIGHT_LINE, new double[] { -1024, 1 }, "HU");
		cal.pixelWidth = 0.5;
		cal.setUnit("mm");
		ct.setCalibration(cal);
		Attribution a = new Attribution(new FloatTensor(new long[] { 1, H, W }, new float[W * H]), new int[] { 0 },
			Map.of());
		Explanation e = new Explanation(ct, new BatchIndex(1, 1), List.of("tissue", "air"),
			new FloatTensor(new long[] { 1, 2 }, new float[] { 1, 0 }), new int[] { 0 }, a, "saliency", "m");
		CompositeImage heat = HeatmapWriter.build(e);
		assertEquals(2, heat.getNChannels());
		float[] values = (float[]) heat.getStack().getPixels(1);
		for (int i = 0; i < p.length; i++) assertEquals(-1024 + i * 10, values[i], 0);
		assertEquals(0.5, heat.getCalibration().pixelWidth, 0, "spatial calibration is kept");
		assertFalse(heat.getCalibration().calibrated(), "values are already calibrated");
	}

	@Test
	void csvHasOneRowPerSliceAndQuotesText() throws IOException {
		Explanation e = SyntheticExplanations.rgbRamp(W, H, N);
		e.image().getStack().setSliceLabel("patch, \"odd\" name", 2);
		Path csv = dir.resolve("results.csv");
		ResultsCsvWriter.write(e, csv);
		List<List<String>> rows = Csv.parse(Files.readString(csv));
		assertEquals(List.of("slice", "frame", "label", "predicted", "p_background", "p_hematoxylin", "p_DAB-positive",
			"target", "method", "map_max", "map_mean"), rows.get(0));
		assertEquals(N + 1, rows.size());
		for (int b = 0; b < N; b++) {
			List<String> r = rows.get(b + 1);
			assertEquals(11, r.size());
			assertEquals(Integer.toString(b + 1), r.get(0));
			assertEquals(SyntheticExplanations.CLASSES.get(b % 3), r.get(3));
			assertEquals(1f, Float.parseFloat(r.get(4 + b % 3)), 0);
			assertEquals("ramp", r.get(8));
			assertEquals(99 + 1000 * b, Float.parseFloat(r.get(9)), 0);
			assertEquals(49.5 + 1000 * b, Float.parseFloat(r.get(10)), 1e-3);
		}
		assertEquals("patch, \"odd\" name", rows.get(2).get(2));
	}

	@Test
	void failedSavesLeaveNoPartialFiles() throws IOException {
		Explanation e = SyntheticExplanations.rgbRamp(W, H, N);
		Path tif = Files.createDirectories(dir.resolve("heat.tif"));
		Path zip = Files.createDirectories(dir.resolve("RoiSet.zip"));
		Path csv = Files.createDirectories(dir.resolve("results.csv"));
		assertThrows(IOException.class, () -> HeatmapWriter.save(HeatmapWriter.build(e), tif));
		assertThrows(IOException.class, () -> RoiWriter.save(RoiWriter.rois(e, 0.1, HeatmapWriter.build(e)), zip));
		assertThrows(IOException.class, () -> ResultsCsvWriter.write(e, csv));
		assertEquals(List.of("RoiSet.zip", "heat.tif", "results.csv"), TestFiles.names(dir));
		for (Path p : List.of(tif, zip, csv)) assertEquals(List.of(), TestFiles.names(p));
	}

	private static void checkHeatmap(Explanation e, ImagePlus heat) {
		assertTrue(heat.isComposite());
		assertEquals(4, heat.getNChannels(), "R, G, B + map");
		assertEquals(N, heat.getNSlices());
		assertEquals(1, heat.getNFrames());
		assertEquals(32, heat.getBitDepth());
		for (int b = 0; b < N; b++) {
			int z = b + 1;
			int[] rgb = (int[]) e.image().getStack().getPixels(z);
			for (int c = 0; c < 3; c++) {
				float[] channel = (float[]) heat.getStack().getPixels(heat.getStackIndex(c + 1, z, 1));
				for (int i = 0; i < rgb.length; i++) assertEquals((rgb[i] >> (16 - 8 * c)) & 0xff, channel[i], 0);
			}
			float[] map = (float[]) heat.getStack().getPixels(heat.getStackIndex(4, z, 1));
			assertArrayEquals(e.map(b), map, 0f);
		}
		assertFireLut(((CompositeImage) heat).getChannelLut(4));
	}

	public static void assertFireLut(LUT lut) {
		LUT fire = new LUT(LutLoader.getLut("fire"), 0, 255);
		byte[] expected = new byte[256], actual = new byte[256];
		fire.getReds(expected);
		lut.getReds(actual);
		assertArrayEquals(expected, actual, "red ramp of Fire");
		fire.getBlues(expected);
		lut.getBlues(actual);
		assertArrayEquals(expected, actual, "blue ramp of Fire");
	}

	private static void assertNotSame(Object a, Object b) {
		assertFalse(a == b, "a new image");
	}

	private static int count(ByteProcessor mask) {
		int n = 0;
		for (int i = 0; i < mask.getPixelCount(); i++) n += mask.get(i) != 0 ? 1 : 0;
		return n;
	}
}
