package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.process.ShortProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A microscopist's 16-bit two-channel hyperstack (C=2, Z=3, T=2; calibrated in µm, composite with
 * custom display ranges, an overlay of her own) explained from ImageJ macros with a two-channel
 * model whose answer is known ({@link TwoChannelModel}). Planes come from a real 16-bit image
 * (pydicom's CT_small.dcm, raw values, no density calibration), a different crop per (c, z, t).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HyperstackMacrosTest {

	static final int C = 2, Z = 3, T = 2, S = TwoChannelModel.SIZE;

	@TempDir
	static Path work;

	private Path model, stack;
	private short[][] planes; // [stack index - 1][pixel]
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		model = TwoChannelModel.export(work.resolve("two-channel"));
		stack = work.resolve("cells 2ch.tif");
		writeHyperstack(stack, 0);
		Path twelve = work.resolve("cells 12bit.tif");
		writeHyperstack(twelve, 32768); // the same counts without CT_small's offset: values 128..2200, as a 12-bit camera gives
		writeHyperstack(stack, 0); // planes as in 'stack' again, for the known answers
		String open = "setBatchMode(true);\nopen('" + stack + "');\n";
		String m = "model=[" + model + "]";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("attribution", new Macro(open + "id = getImageID();\n"
			+ "run('Attribution...', '" + m + " method=gradient_x_input target=A save_dir=[" + work.resolve("attr") + "]');\n"
			+ "getDimensions(w, h, c, z, t);\nprint('out dims ' + c + ' ' + z + ' ' + t);\n"
			+ "getPixelSize(unit, pw, ph);\nprint('out pixel ' + pw + ' ' + unit);\n"
			+ "selectImage(id);\nprint('in overlay ' + Overlay.size);\n", ""));
		runs.put("attribution image", new Macro(open
			+ "run('Attribution...', '" + m + " method=gradient_x_input target=A output=image save_dir=[" + work.resolve("attr-image") + "]');\n"
			+ "getDimensions(w, h, c, z, t);\nprint('out dims ' + c + ' ' + z + ' ' + t);\n", ""));
		runs.put("virtual", new Macro("setBatchMode(true);\nrun('TIFF Virtual Stack...', 'open=[" + stack + "]');\n"
			+ "print('virtual ' + is('Virtual Stack'));\n"
			+ "run('Attribution...', '" + m + " method=gradient_x_input target=A save_dir=[" + work.resolve("attr-virtual") + "]');\n", ""));
		runs.put("evaluate", new Macro(open + "run('Evaluate Explanation...', '" + m + " method=gradient_x_input metric=deletion target=A save_dir=["
			+ work.resolve("eval") + "]');\n", ""));
		org.conceptscope.concepts.ConceptBank bank = new org.conceptscope.concepts.ConceptBank();
		bank.layer = "relu";
		bank.className = "A";
		bank.classIndex = 0;
		bank.concepts = new double[][] { { 1, 0 }, { 0, 1 } };
		Path concepts = work.resolve("concepts.json");
		bank.save(concepts);
		runs.put("localization", new Macro(open + "run('Concept Localization...', '" + m + " concepts=[" + concepts + "] save_dir=["
			+ work.resolve("loc") + "]');\n"
			+ "getDimensions(w, h, c, z, t);\nprint('out dims ' + c + ' ' + z + ' ' + t);\n", ""));
		runs.put("slices as channels", new Macro(open + "Stack.setDimensions(1, 12, 1); // the two channels as slices, as another program's file may open\n"
			+ "run('Attribution...', '" + m + " method=saliency');\n", ""));
		runs.put("slices as channels, localized in tiles", new Macro(open + "Stack.setDimensions(1, 12, 1);\n"
			+ "run('Canvas Size...', 'width=24 height=24 position=Top-Left zero');\n"
			+ "run('Concept Localization...', '" + m + " concepts=[" + concepts + "]');\n", ""));
		runs.put("slices and frames as channels", new Macro(open + "Stack.setDimensions(1, 6, 2);\n"
			+ "run('Attribution...', '" + m + " method=saliency');\n", ""));
		runs.put("three channels", new Macro(open + "run('Add Slice', 'add=channel');\n"
			+ "run('Attribution...', '" + m + " method=saliency');\n", ""));
		runs.put("12-bit", new Macro("setBatchMode(true);\nopen('" + twelve + "');\n"
			+ "run('Attribution...', '" + m + " method=saliency');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** The hyperstack file: plane (c, z, t) is the 16 x 16 crop of CT_small.dcm's raw values at its own offset. */
	private void writeHyperstack(Path file, int offset) {
		ImagePlus ct = IJ.openImage(TestFiles.testImages().resolve("images/CT_small.dcm").toString());
		short[] raw = (short[]) ct.getProcessor().getPixels();
		int width = ct.getWidth();
		ImageStack st = new ImageStack(S, S);
		planes = new short[C * Z * T][];
		for (int t = 0; t < T; t++) {
			for (int z = 0; z < Z; z++) {
				for (int c = 0; c < C; c++) {
					int x0 = 24 + 20 * z + 7 * c, y0 = 30 + 40 * t + 11 * c;
					short[] p = new short[S * S];
					for (int y = 0; y < S; y++) for (int x = 0; x < S; x++) p[y * S + x] = (short) ((raw[(y0 + y) * width + x0 + x] & 0xffff) - offset);
					planes[(t * Z + z) * C + c] = p;
					st.addSlice("c" + (c + 1) + " z" + (z + 1) + " t" + (t + 1), new ShortProcessor(S, S, p, null));
				}
			}
		}
		ImagePlus imp = new ImagePlus(file.getFileName().toString().replace(".tif", ""), st);
		imp.setDimensions(C, Z, T);
		imp.setOpenAsHyperStack(true);
		CompositeImage ci = new CompositeImage(imp, IJ.COMPOSITE);
		ci.setC(1);
		ci.setDisplayRange(900, 1200);
		ci.setC(2);
		ci.setDisplayRange(1000, 1500);
		Calibration cal = ci.getCalibration();
		cal.pixelWidth = cal.pixelHeight = 0.65;
		cal.pixelDepth = 2;
		cal.setUnit("micron");
		Overlay own = new Overlay(new Roi(1, 1, 3, 3));
		ci.setOverlay(own);
		IJ.saveAsTiff(ci, file.toString());
	}

	/** Normalised value of channel c (0-based) at (x, y) of slice z, frame t (1-based). */
	private double value(int c, int z, int t, int x, int y) {
		return (planes[((t - 1) * Z + (z - 1)) * C + c][y * S + x] & 0xffff) / 65535.0;
	}

	@Test
	void everyZAndTGetsTheMapOfItsOwnSecondChannel() {
		ImagePlus out = IJ.openImage(work.resolve("attr/cells 2ch-gradient_x_input.tif").toString());
		assertEquals(List.of(C + 1, Z, T), List.of(out.getNChannels(), out.getNSlices(), out.getNFrames()), logs.get("attribution"));
		for (int t = 1; t <= T; t++) {
			for (int z = 1; z <= Z; z++) {
				float[] map = (float[]) out.getStack().getProcessor(out.getStackIndex(C + 1, z, t)).getPixels();
				for (int y = 0; y < S; y++) {
					for (int x = 0; x < S; x++) {
						double want = TwoChannelModel.inRegion(0, x, y) ? value(1, z, t, x, y) : 0;
						assertEquals(want, map[y * S + x], 1e-6, "z=" + z + " t=" + t + " x=" + x + " y=" + y);
					}
				}
			}
		}
		ImagePlus virtual = IJ.openImage(work.resolve("attr-virtual/cells 2ch-gradient_x_input.tif").toString());
		for (int i = 1; i <= out.getStackSize(); i++) {
			assertTrue(java.util.Arrays.equals((float[]) out.getStack().getPixels(i), (float[]) virtual.getStack().getPixels(i)), "virtual stack, plane " + i);
		}
		assertTrue(logs.get("virtual").contains("virtual 1"), logs.get("virtual"));
		assertEquals(List.of(0.65, 2.0), List.of(Math.round(out.getCalibration().pixelWidth * 1e6) / 1e6, out.getCalibration().pixelDepth));
		assertTrue(logs.get("attribution image").contains("out dims 1 3 2"), logs.get("attribution image"));
	}

	@Test
	void channelsOpenedAsSlicesAreRefusedWithTheWayBack() {
		String log = logs.get("slices as channels");
		assertTrue(log.contains("'cells 2ch.tif' has 1 channel(s) (1 channel(s) x 12 slice(s) x 1 frame(s); slices and frames are separate inputs,"
			+ " not channels), but the model takes 2 (an RGB image has 3, a composite one per channel): give images of the kind the model was"
			+ " trained on; if its 12 planes are 2 channels saved as slices, make them channels with Image > Hyperstacks > Stack to"
			+ " Hyperstack... (channels=2, slices=6, in the order they were saved)."), log);
		String tiled = logs.get("slices as channels, localized in tiles");
		assertTrue(tiled.contains("has 1 channel(s) (1 channel(s) x 12 slice(s) x 1 frame(s); slices and frames are separate inputs, not channels),"
			+ " but the model takes 2") && tiled.contains("Stack to Hyperstack... (channels=2, slices=6"), "before any tile: " + tiled);
		String frames = logs.get("slices and frames as channels");
		assertTrue(frames.contains("(1 channel(s) x 6 slice(s) x 2 frame(s);") && frames.contains("Stack to Hyperstack... (channels=2, slices=3,"
			+ " frames=2, in the order they were saved)."), frames);
		String three = logs.get("three channels");
		assertTrue(three.contains("has 3 channel(s) (3 channel(s) x 3 slice(s) x 2 frame(s); slices and frames are separate inputs, not"
			+ " channels), but the model takes 2") && three.contains("with Image > Hyperstacks > Make Subset... (e.g. channels=1-2)."), three);
	}

	/**
	 * Every plane is labelled "c<c> z<z> t<t>": a row's label is its (c=1, z, t) plane's (channel 1's labels differ over
	 * slices, so they name planes, not the channel), and the maps alone keep it before their own "method: target".
	 */
	@Test
	void theRowsAndTheMapsAloneKeepTheFirstChannelsPlaneLabel() throws Exception {
		List<String> lines = Files.readAllLines(work.resolve("attr/cells 2ch-gradient_x_input-results.csv"));
		assertTrue(lines.get(0).startsWith("slice,frame,label,"), lines.get(0));
		assertEquals(1 + Z * T, lines.size(), String.join("\n", lines));
		for (String line : lines.subList(1, lines.size())) {
			String[] f = line.split(",");
			assertEquals("c1 z" + f[0] + " t" + f[1], f[2], line);
		}
		ImagePlus maps = IJ.openImage(work.resolve("attr-image/cells 2ch-gradient_x_input-map.tif").toString());
		assertEquals(List.of(1, Z, T), List.of(maps.getNChannels(), maps.getNSlices(), maps.getNFrames()), logs.get("attribution image"));
		for (int t = 1; t <= T; t++) {
			for (int z = 1; z <= Z; z++) {
				assertEquals("c1 z" + z + " t" + t + " \u00b7 gradient_x_input: A", maps.getStack().getSliceLabel(maps.getStackIndex(1, z, t)));
			}
		}
	}

	/**
	 * Beside the image's channels (which keep their own labels), the Attribution map and every concept map carry the
	 * row's label before what they show, as the maps alone do (until 2026-12-07: only "gradient_x_input: A" and
	 * "concept 1: A", so a plane did not say which slice it came from).
	 */
	@Test
	void theCompositesMapPlanesKeepTheFirstChannelsPlaneLabel() {
		ImagePlus attr = IJ.openImage(work.resolve("attr/cells 2ch-gradient_x_input.tif").toString());
		ImagePlus loc = IJ.openImage(work.resolve("loc/cells 2ch-concepts.tif").toString());
		assertEquals(List.of(C + 1, C + 2), List.of(attr.getNChannels(), loc.getNChannels()), logs.get("attribution") + logs.get("localization"));
		for (int t = 1; t <= T; t++) {
			for (int z = 1; z <= Z; z++) {
				String row = "c1 z" + z + " t" + t;
				for (int c = 1; c <= C; c++) {
					assertEquals("c" + c + " z" + z + " t" + t, attr.getStack().getSliceLabel(attr.getStackIndex(c, z, t)));
					assertEquals("c" + c + " z" + z + " t" + t, loc.getStack().getSliceLabel(loc.getStackIndex(c, z, t)));
				}
				assertEquals(row + " \u00b7 gradient_x_input: A", attr.getStack().getSliceLabel(attr.getStackIndex(C + 1, z, t)));
				for (int q = 1; q <= 2; q++) {
					assertEquals(row + " \u00b7 concept " + q + ": A", loc.getStack().getSliceLabel(loc.getStackIndex(C + q, z, t)));
				}
			}
		}
	}

	@Test
	void twelveBitCountsUnderUnitRangeGetANoteAndFullRangeOnesDoNot() {
		String log = logs.get("12-bit");
		assertTrue(log.contains("ConceptScope note: 'cells 12bit.tif' is 16-bit with values up to "), log);
		int at = log.indexOf("values up to ") + "values up to ".length();
		int max = Integer.parseInt(log.substring(at, log.indexOf(' ', at)));
		int want = 0;
		for (short[] p : planes) for (short v : p) want = Math.max(want, (v & 0xffff) - 32768);
		assertEquals(want, max, "the largest count over every channel, slice and frame");
		int bits = 32 - Integer.numberOfLeadingZeros(max);
		assertTrue(log.contains("(" + bits + "-bit data?): the model's unit_range divides 16-bit values by 65535 (not by the display range), so its"
			+ " input reaches at most " + String.format(java.util.Locale.ROOT, "%.3f", max / 65535.0) + " here.") && log.contains("\"affine(0,"
			+ ((1 << bits) - 1) + ")\""), log);
		assertTrue(!log.contains("Macro Error"), "a note, not a refusal: " + log);
		for (String run : List.of("attribution", "virtual", "evaluate", "localization")) {
			assertTrue(!logs.get(run).contains("is 16-bit with values up to"), run + ": " + logs.get(run));
		}
	}

	@Test
	void conceptMapsAreTheirChannelsAndRoisSitOnTheirPlane() throws Exception {
		ImagePlus out = IJ.openImage(work.resolve("loc/cells 2ch-concepts.tif").toString());
		assertEquals(List.of(C + 2, Z, T), List.of(out.getNChannels(), out.getNSlices(), out.getNFrames()));
		assertEquals(0.65, out.getCalibration().pixelWidth, 1e-6);
		for (int t = 1; t <= T; t++) {
			for (int z = 1; z <= Z; z++) {
				for (int k = 0; k < 2; k++) {
					float[] map = (float[]) out.getStack().getProcessor(out.getStackIndex(C + 1 + k, z, t)).getPixels();
					for (int i = 0; i < S * S; i++) {
						assertEquals(value(k, z, t, i % S, i / S), map[i], 1e-4, "concept " + (k + 1) + " is channel " + (k + 1) + " at z=" + z + " t=" + t);
					}
				}
			}
		}
		List<Roi> rois = RoiZip.read(work.resolve("loc/cells 2ch-concepts-RoiSet.zip"));
		assertEquals(Z * T * 2, rois.size());
		for (int i = 0; i < rois.size(); i++) {
			Roi r = rois.get(i);
			int k = i % 2, z = i / 2 % Z + 1, t = i / 2 / Z + 1;
			assertEquals(List.of(C + 1 + k, z, t), List.of(r.getCPosition(), r.getZPosition(), r.getTPosition()), r.getName());
		}
		List<Roi> attr = RoiZip.read(work.resolve("attr/cells 2ch-gradient_x_input-RoiSet.zip"));
		for (int i = 0; i < attr.size(); i++) {
			int z = i % Z + 1, t = i / Z + 1;
			assertEquals(List.of(0, z, t), List.of(attr.get(i).getCPosition(), attr.get(i).getZPosition(), attr.get(i).getTPosition()));
			assertEquals("gradient_x_input; A; slice=" + z + "; frame=" + t, attr.get(i).getName());
		}
		assertTrue(logs.get("attribution").contains("in overlay 1"), "the user's own overlay is kept: " + logs.get("attribution"));
		assertTrue(logs.get("attribution").contains("out pixel 0.65 micron"), logs.get("attribution"));
	}

	@Test
	void batchRunnerOnTheHyperstackFile() throws Exception {
		java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
		java.io.PrintStream both = new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8);
		int status = org.conceptscope.fiji.batch.Batch.run(new String[] { "input=" + stack, "model=" + model, "save_dir=" + work.resolve("batch"),
			"method=gradient_x_input", "target=A" }, both, both, null);
		assertEquals(0, status, text.toString(java.nio.charset.StandardCharsets.UTF_8));
		Path batch = work.resolve("batch");
		// the same rows (slice, frame, probabilities, map statistics) as the Attribution command's on the open hyperstack
		assertEquals(Files.readAllLines(work.resolve("attr/cells 2ch-gradient_x_input-results.csv")),
			Files.readAllLines(batch.resolve("cells 2ch-gradient_x_input-results.csv")));
		ImagePlus maps = IJ.openImage(batch.resolve("cells 2ch-gradient_x_input-map.tif").toString());
		assertEquals(List.of(1, Z, T), List.of(maps.getNChannels(), maps.getNSlices(), maps.getNFrames()));
		assertEquals(0.65, maps.getCalibration().pixelWidth, 1e-6);
		for (int t = 1; t <= T; t++) {
			for (int z = 1; z <= Z; z++) {
				float[] map = (float[]) maps.getStack().getProcessor(maps.getStackIndex(1, z, t)).getPixels();
				for (int i = 0; i < S * S; i++) {
					double want = TwoChannelModel.inRegion(0, i % S, i / S) ? value(1, z, t, i % S, i / S) : 0;
					assertEquals(want, map[i], 1e-6, "batch map z=" + z + " t=" + t);
				}
			}
		}
	}
}
