package org.conceptscope.fiji;

import org.conceptscope.fiji.image.ImagePlusTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ByteProcessor;

import java.awt.Point;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.mechanistic.GeneralizedIntegratedGradients;
import org.conceptscope.mechanistic.SharingRatioDecomposition;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * sharing_ratio_decomposition.ijm (on the IHC stack and on a known-answer stack) and
 * concept_graph.ijm (on the IHC stack) run end to end through ImageJ 1.x's macro interpreter,
 * headless, in one child JVM ({@link MacroRunner}), with bad inputs; the tests read back every
 * file and check what could fail: relevance sums against the maps, conservation, ERFs inside the
 * hand-computed receptive fields, the known answer, GIG completeness against a recomputation from
 * the reloaded bank, the graph picture's size and colours, montage panels against the input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MechanisticMacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages(), macros = TestFiles.macros();
	private Map<String, String> logs;
	/** Known-answer stack: region B bright in slices 1 and 2, region A in slice 3. */
	private static final int[][] REGIONS = { { 4, 4, 8, 8 }, { 18, 20, 8, 8 } };
	private static final int[] KNOWN_CLASS = { 1, 1, 0 };

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		Path known = knownAnswerStack(), tanhImage = work.resolve("tanh.tif");
		Path tanh = TanhModel.export(work.resolve("tanh-model"));
		IJ.saveAsTiff(new ImagePlus("tanh", new ByteProcessor(8, 8)), tanhImage.toString());
		Path meanHead = MeanHeadModel.export(work.resolve("mean-head")), meanImage = work.resolve("mean-head.tif");
		IJ.saveAsTiff(new ImagePlus("mean-head", meanHeadImage()), meanImage.toString());
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("srd ihc", new Macro(macro("sharing_ratio_decomposition.ijm"), "image=[" + stack() + "] model=[" + model("ihc-stain")
			+ "] save_dir=[" + work.resolve("srd-ihc") + "]"));
		runs.put("srd known", new Macro(macro("sharing_ratio_decomposition.ijm"), "image=[" + known + "] model=["
			+ model("known-answer") + "] save_dir=[" + work.resolve("srd-known") + "] erf_layer=conv2/relu x=21 y=23"));
		runs.put("srd known at a layer", new Macro("setBatchMode(true); open('" + known + "');\nrun('Sharing Ratio Decomposition...', 'model=["
			+ model("known-answer") + "] start_layer=conv2/relu output=image save_dir=[" + work.resolve("srd-known-layer") + "]');\n", ""));
		runs.put("srd mean head", new Macro("setBatchMode(true); open('" + meanImage + "');\nrun('Sharing Ratio Decomposition...', 'model=["
			+ meanHead + "] target=dark output=image save_dir=[" + work.resolve("srd-mean-head") + "]');\n", ""));
		runs.put("graph", new Macro(macro("concept_graph.ijm"), "image=[" + stack() + "] model=[" + model("ihc-stain") + "] save_dir=["
			+ work.resolve("graph") + "]"));
		String open = "setBatchMode(true); open('" + stack() + "');\n";
		runs.put("localize a graph bank", new Macro(open + "run('Concept Localization...', 'model=[" + model("ihc-stain") + "] concepts=["
			+ work.resolve("graph").resolve("conv3_relu-concepts.json") + "] save_dir=[" + work.resolve("graph-localization") + "]');\n", ""));
		runs.put("bad layer", new Macro(open + "run('Sharing Ratio Decomposition...', 'model=[" + model("ihc-stain")
			+ "] erf_layer=features save_dir=[" + work.resolve("bad-layer") + "]');\nprint('still running');\n", ""));
		runs.put("x without layer", new Macro(open + "run('Sharing Ratio Decomposition...', 'model=[" + model("ihc-stain")
			+ "] x=3');\n", ""));
		runs.put("unsupported", new Macro("setBatchMode(true); open('" + tanhImage + "');\nrun('Sharing Ratio Decomposition...', 'model=["
			+ tanh + "] save_dir=[" + work.resolve("srd-tanh") + "]');\nprint('still running');\n", ""));
		runs.put("graph no save_dir", new Macro(open + "run('Concept Graph...', 'model=[" + model("ihc-stain") + "] concepts=2');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** 8-bit: faint seeded noise, 200 added inside the region of each slice's class. */
	private Path knownAnswerStack() {
		Random r = new Random(3);
		ImageStack stack = new ImageStack(32, 32);
		for (int k : KNOWN_CLASS) {
			ByteProcessor ip = new ByteProcessor(32, 32);
			for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) ip.set(x, y, 1 + r.nextInt(25) + (inRegion(k, x, y) ? 200 : 0));
			stack.addSlice(ip);
		}
		Path file = work.resolve("known-answer.tif");
		IJ.saveAsTiff(new ImagePlus("known-answer", stack), file.toString());
		return file;
	}

	private static boolean inRegion(int k, int x, int y) {
		int[] q = REGIONS[k];
		return x >= q[0] && x < q[0] + q[2] && y >= q[1] && y < q[1] + q[3];
	}

	@Test
	void srdOnTheIhcStackConservesRelevanceAndKeepsTheErfInsideItsField() throws IOException {
		Path out = work.resolve("srd-ihc");
		assertFalse(logs.get("srd ihc").contains("Error"), logs.get("srd ihc"));
		String base = "ihc-heldout-patches-srd";
		assertEquals(List.of(base + "-RoiSet.zip", base + "-results.csv", base + ".tif"), TestFiles.names(out));
		ImagePlus original = IJ.openImage(stack().toString()), maps = IJ.openImage(out.resolve(base + ".tif").toString());
		assertEquals(3 + 2, maps.getNChannels(), "R, G, B, relevance, ERF");
		assertEquals(12, maps.getNSlices());
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve(base + "-results.csv")));
		List<String> h = csv.get(0);
		assertEquals(List.of("slice", "frame", "label", "predicted", "target", "class_score", "relevance_sum", "bias_relevance",
			"bias_share", "conservation_error", "apop_predicted", "apop_agrees", "erf_layer", "erf_cell_x", "erf_cell_y",
			"erf_relevance_sum", "erf_bias_relevance", "erf_support_pixels", "rf_x", "rf_y", "rf_width", "rf_height"), h);
		assertEquals(1 + 12 + 1, csv.size(), "header, one row per slice, the stack's row");
		FloatTensor logits;
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model("ihc-stain"))) {
			logits = model.logits(ImagePlusTensors.toTensor(original, model.normalization()).tensor());
		}
		List<String> classes = List.of("background", "hematoxylin", "DAB-positive");
		double agree = 0;
		// conv2/relu is 16 x 16 on a 32 x 32 image: pixel (10, 14) is cell (5, 7), whose field is pixels 2q-3 .. 2q+4.
		Rectangle field = new Rectangle(2 * 5 - 3, 2 * 7 - 3, 8, 8);
		for (int z = 1; z <= 12; z++) {
			List<String> row = csv.get(z);
			for (int c = 0; c < 3; c++) {
				assertArrayEquals(ImagePlusTensors.plane(original, c, z - 1), pixels(maps, c + 1, z), "slice " + z + " keeps its values");
			}
			int target = classes.indexOf(row.get(h.indexOf("target")));
			assertEquals(row.get(h.indexOf("predicted")), row.get(h.indexOf("target")), "target=predicted");
			double score = value(row, h, "class_score"), sum = value(row, h, "relevance_sum"), bias = value(row, h, "bias_relevance");
			assertEquals(logits.get(z - 1, target), score, 1e-4 * (1 + Math.abs(score)), "relevance starts from the target's logit");
			assertEquals(sum(pixels(maps, 4, z)), sum, 1e-5 * (1 + Math.abs(sum)), "the CSV's sum is the relevance map's");
			assertEquals(score, sum + bias, 1e-6 * (1 + Math.abs(score)), "conserved up to the bias share");
			assertEquals(0, value(row, h, "conservation_error"), 1e-6 * (1 + Math.abs(score)));
			assertEquals(bias / score, value(row, h, "bias_share"), 1e-6);
			agree += value(row, h, "apop_agrees");
			float[] erf = pixels(maps, 5, z);
			for (int p = 0; p < erf.length; p++) {
				if (!field.contains(p % 32, p / 32)) assertEquals(0f, erf[p], "ERF outside the field, slice " + z);
			}
			assertEquals(1, sum(erf) + value(row, h, "erf_bias_relevance"), 1e-5, "the PFV's relevance 1 is conserved");
			assertEquals(List.of("conv2/relu", "5", "7", "7", "11", "8", "8"), List.of(row.get(h.indexOf("erf_layer")),
				row.get(h.indexOf("erf_cell_x")), row.get(h.indexOf("erf_cell_y")), row.get(h.indexOf("rf_x")), row.get(h.indexOf("rf_y")),
				row.get(h.indexOf("rf_width")), row.get(h.indexOf("rf_height"))));
		}
		List<String> all = csv.get(13);
		assertEquals("all", all.get(0));
		assertEquals(agree / 12, value(all, h, "apop_agrees"), 1e-6, "the stack's APOP agreement is the fraction of agreeing slices");

		List<Roi> rois = RoiZip.read(out.resolve(base + "-RoiSet.zip"));
		assertEquals(rois.size(), maps.getOverlay().size(), "the ROIs also travel as the TIFF's overlay");
		Map<String, Integer> kinds = new HashMap<>();
		Pattern name = Pattern.compile("(srd|erf|rf); (.+); slice=(\\d+)");
		for (Roi roi : rois) {
			Matcher m = name.matcher(roi.getName());
			assertTrue(m.matches(), roi.getName());
			int z = Integer.parseInt(m.group(3));
			assertEquals(z, roi.getZPosition());
			// R, G, B, relevance, ERF: each outline sits with its own map
			assertEquals(m.group(1).equals("srd") ? 4 : 5, roi.getCPosition(), roi.getName());
			kinds.merge(m.group(1), 1, Integer::sum);
			if (m.group(1).equals("srd")) {
				assertEquals(csv.get(z).get(h.indexOf("target")), m.group(2));
			} else {
				assertEquals("conv2-relu; cell=5,7", m.group(2));
				if (m.group(1).equals("rf")) assertEquals(field, roi.getBounds(), "the theoretical field, drawn");
				for (Point p : roi.getContainedPoints()) assertTrue(field.contains(p), roi.getName() + " outside the field at " + p);
			}
			if (m.group(1).equals("erf")) {
				assertEquals(csv.get(z).get(h.indexOf("erf_support_pixels")), roi.getProperty("pixels"));
			}
		}
		assertEquals(Map.of("srd", 12, "erf", 12, "rf", 12), kinds);
	}

	/**
	 * Started at conv2/relu (start_layer): the known-answer model's convolutions are identities, so each PFV of conv2/relu
	 * carries its own pixel's value inside the evidence region and nothing elsewhere, and no bias takes a share.
	 */
	@Test
	void srdStartedAtALayerGivesThatLayersKnownDecomposition() throws IOException {
		Path out = work.resolve("srd-known-layer");
		assertFalse(logs.get("srd known at a layer").contains("Error"), logs.get("srd known at a layer"));
		ImagePlus original = IJ.openImage(work.resolve("known-answer.tif").toString());
		ImagePlus maps = IJ.openImage(out.resolve("known-answer-srd-map.tif").toString());
		assertTrue(((String) maps.getProperty("Info")).contains("start_layer=conv2/relu"), "the run records its start layer");
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve("known-answer-srd-results.csv")));
		List<String> h = csv.get(0);
		for (int z = 1; z <= 3; z++) {
			int k = KNOWN_CLASS[z - 1];
			float[] x = pixels(original, 1, z), srd = pixels(maps, 1, z);
			double sum = 0;
			for (int p = 0; p < x.length; p++) {
				int px = p % 32, py = p / 32;
				assertEquals(inRegion(k, px, py) ? x[p] / 255f : 0f, srd[p], 1e-5, "slice " + z + ": conv2/relu PFV (" + px + ", " + py + ")");
				sum += srd[p];
			}
			assertEquals(0, value(csv.get(z), h, "bias_relevance"), 1e-9);
			assertEquals(value(csv.get(z), h, "class_score"), sum, 1e-3 * (1 + Math.abs(sum)), "the layer's relevance is the logit");
		}
	}

	/** Pixel values 10..250 (never 0, whose feature vector would hold the bias alone), mostly dark. */
	private static ByteProcessor meanHeadImage() {
		ByteProcessor b = new ByteProcessor(8, 8);
		for (int p = 0; p < 64; p++) b.set(p % 8, p / 8, 10 + (p * 37) % 241);
		return b;
	}

	/**
	 * SRD of the second class of a model whose logits are a global mean of a class map (fully convolutional), as a user
	 * runs it: the map is each pixel's own term relu(0.5 - x) / 64 of the "dark" logit (before the fix the whole logit
	 * vector was one feature vector and every class but the first got a zero map), and it sums to the class score.
	 */
	@Test
	void srdOfASecondClassOfAGlobalMeanHeadIsItsOwnTerms() throws IOException {
		Path out = work.resolve("srd-mean-head");
		assertFalse(logs.get("srd mean head").contains("Error"), logs.get("srd mean head"));
		ImagePlus maps = IJ.openImage(out.resolve("mean-head-srd-map.tif").toString());
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve("mean-head-srd-results.csv")));
		List<String> h = csv.get(0);
		assertEquals("dark", csv.get(1).get(h.indexOf("target")));
		float[] srd = pixels(maps, 1, 1);
		ByteProcessor image = meanHeadImage();
		double sum = 0, want = 0;
		for (int p = 0; p < 64; p++) {
			double x = image.get(p % 8, p / 8) / 255.0, term = Math.max(0, 0.5 - x) / 64;
			assertEquals(term, srd[p], 1e-6, "pixel " + p);
			sum += srd[p];
			want += term;
		}
		assertTrue(want > 0.05, "the class has evidence");
		assertEquals(want, value(csv.get(1), h, "class_score"), 1e-5, "the dark logit");
		assertEquals(want, value(csv.get(1), h, "relevance_sum"), 1e-5, "the map sums to the logit");
		assertEquals(sum, value(csv.get(1), h, "relevance_sum"), 1e-5);
		assertEquals(0, value(csv.get(1), h, "bias_relevance"), 1e-9, "every pixel carries its feature vector's bias");
	}

	@Test
	void srdOnTheKnownAnswerModelGivesTheEvidenceAndAPointErf() throws IOException {
		Path out = work.resolve("srd-known");
		assertFalse(logs.get("srd known").contains("Error"), logs.get("srd known"));
		ImagePlus original = IJ.openImage(work.resolve("known-answer.tif").toString());
		ImagePlus maps = IJ.openImage(out.resolve("known-answer-srd.tif").toString());
		assertEquals(1 + 2, maps.getNChannels());
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve("known-answer-srd-results.csv")));
		List<String> h = csv.get(0);
		for (int z = 1; z <= 3; z++) {
			int k = KNOWN_CLASS[z - 1];
			assertEquals(k == 1 ? "region B" : "region A", csv.get(z).get(h.indexOf("predicted")));
			assertEquals(0, value(csv.get(z), h, "bias_relevance"), 1e-9, "no biases: nothing is lost");
			float[] x = pixels(original, 1, z), srd = pixels(maps, 2, z), erf = pixels(maps, 3, z);
			for (int p = 0; p < x.length; p++) {
				int px = p % 32, py = p / 32;
				assertEquals(inRegion(k, px, py) ? x[p] / 255f : 0f, srd[p], 1e-5, "logit = sum over the region: relevance = input there");
				assertEquals(px == 21 && py == 23 ? 1f : 0f, erf[p], 1e-6, "identity convolutions: the PFV is its own pixel");
			}
		}
		for (Roi roi : RoiZip.read(out.resolve("known-answer-srd-RoiSet.zip"))) {
			int k = KNOWN_CLASS[roi.getZPosition() - 1];
			if (roi.getName().startsWith("srd; ")) {
				for (Point p : roi.getContainedPoints()) assertTrue(inRegion(k, p.x, p.y), roi.getName() + " outside the evidence at " + p);
			} else if (roi.getName().startsWith("erf; ")) {
				assertEquals(new Rectangle(21, 23, 1, 1), roi.getBounds());
			} else {
				assertEquals(new Rectangle(19, 21, 5, 5), roi.getBounds(), "two 3 x 3 convolutions see 5 x 5 pixels");
			}
		}
	}

	@Test
	void theConceptGraphHasBanksEdgesAPictureMontagesAndMaps() throws IOException {
		Path out = work.resolve("graph");
		assertFalse(logs.get("graph").contains("Error"), logs.get("graph"));
		assertEquals(List.of("concept-graph-nodes.csv", "concept-graph.csv", "concept-graph.png", "conv2_relu-concepts.json",
			"conv2_relu-erf-montage.tif", "conv3_relu-concepts.json", "conv3_relu-erf-montage.tif",
			"ihc-heldout-patches-concept-graph-RoiSet.zip", "ihc-heldout-patches-concept-graph.tif"), TestFiles.names(out));
		ConceptBank lower = ConceptBank.load(out.resolve("conv2_relu-concepts.json"));
		ConceptBank upper = ConceptBank.load(out.resolve("conv3_relu-concepts.json"));
		for (ConceptBank b : List.of(lower, upper)) {
			assertEquals(3, b.size());
			assertEquals(32, b.channels(), "conv2/relu and conv3/relu have 32 channels");
			assertEquals("DAB-positive", b.className);
			assertEquals(3, b.importance.length);
			assertEquals(4, b.examples.get(0).size());
		}

		List<List<String>> edges = Csv.parse(Files.readString(out.resolve("concept-graph.csv")));
		assertEquals(List.of("from_layer", "from_concept", "to_layer", "to_concept", "relevance"), edges.get(0));
		assertEquals(1 + 3 * (3 + 1) + 3 + 1, edges.size(), "into each target its three concept edges and a residual edge");
		double toClass = 0, classResidual = Double.NaN;
		double[] intoUpper = new double[3];
		for (List<String> e : edges.subList(1, edges.size())) {
			double r = Double.parseDouble(e.get(4));
			if (e.get(2).equals("class")) {
				assertEquals(List.of("conv3/relu", "DAB-positive"), List.of(e.get(0), e.get(3)));
				if (e.get(1).equals("residual")) classResidual = r;
				else assertEquals(upper.importance[Integer.parseInt(e.get(1)) - 1], r, 1e-6 * (1 + Math.abs(r)), "the bank keeps it as importance");
				toClass += r;
			} else {
				assertEquals(List.of("conv2/relu", "conv3/relu"), List.of(e.get(0), e.get(2)));
				intoUpper[Integer.parseInt(e.get(3)) - 1] += r;
			}
		}
		assertFalse(Double.isNaN(classResidual), "a residual edge into the class");
		// Completeness, recomputed here: GIG integrates the model's own activations A (issue 19), so the class edges, residual
		// included, sum to mean h(A) - h(0) at conv3/relu, h(A) the model's class logit; the edges into each upper concept to the
		// change of its projection mean <b, v_j> / |v_j|^2 at conv3/relu from zero conv2/relu activations to the real ones.
		ImagePlus original = IJ.openImage(stack().toString());
		double score = 0, zero;
		double[] projectionChange = new double[3];
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model("ihc-stain"))) {
			FloatTensor batch = ImagePlusTensors.toTensor(original, model.normalization()).tensor();
			FloatTensor acts = model.activations(batch, "conv3/relu");
			int n = (int) acts.dim(0);
			FloatTensor logits = model.logits(batch);
			for (int i = 0; i < n; i++) score += logits.get(i, 2) / n;
			zero = model.logitsFromLayer("conv3/relu", FloatTensor.zeros(1, acts.dim(1), acts.dim(2), 32)).get(0, 2);
			FloatTensor lowerActs = model.activations(batch, "conv2/relu");
			FloatTensor fromZero = model.layerFromLayer("conv2/relu", FloatTensor.zeros(lowerActs.shape()), "conv3/relu");
			for (int j = 0; j < 3; j++) {
				double[] real = GeneralizedIntegratedGradients.projection(upper, j, acts), none = GeneralizedIntegratedGradients.projection(upper, j,
					fromZero);
				for (int i = 0; i < n; i++) projectionChange[j] += (real[i] - none[i]) / n;
			}
		}
		assertTrue(Math.abs(score - zero) > 1e-2, "the concepts move the class score");
		assertEquals(score - zero, toClass, 0.03 * Math.abs(score - zero) + 1e-3, "GIG completeness, 32 midpoint steps");
		for (int j = 0; j < 3; j++) {
			assertEquals(projectionChange[j], intoUpper[j], 0.03 * Math.abs(projectionChange[j]) + 1e-4, "edges into conv3/relu concept " + (j + 1));
		}
		List<List<String>> nodes = Csv.parse(Files.readString(out.resolve("concept-graph-nodes.csv")));
		List<String> cls = nodes.get(nodes.size() - 1);
		assertEquals(List.of("class", "DAB-positive"), cls.subList(0, 2));
		assertEquals(score, Double.parseDouble(cls.get(7)), 1e-4 * (1 + Math.abs(score)));
		assertEquals(zero, Double.parseDouble(cls.get(8)), 1e-4 * (1 + Math.abs(zero)));
		assertEquals(toClass, Double.parseDouble(cls.get(3)), 1e-6 * (1 + Math.abs(toClass)));
		assertEquals(1 + (3 + 1) * 2 + 1, nodes.size(), "three concepts and the residual per layer, then the class");
		List<String> residual = nodes.get(1 + 3 + 1 + 3);
		assertEquals(List.of("conv3/relu", "residual"), residual.subList(0, 2));
		assertEquals(classResidual, Double.parseDouble(residual.get(2)), 1e-6 * (1 + Math.abs(classResidual)), "the layer's residual for the class");

		ImagePlus localized = IJ.openImage(work.resolve("graph-localization").resolve("ihc-heldout-patches-concepts.tif").toString());
		assertEquals(3 + 3, localized.getNChannels(), "Concept Localization reads a PFV bank: " + logs.get("localize a graph bank"));

		picture(out, edges);
		montage(out.resolve("conv2_relu-erf-montage.tif"), lower, 8, 6, original);
		montage(out.resolve("conv3_relu-erf-montage.tif"), upper, 18, 3, original);
		conceptMaps(out, original);
	}

	/** 2 layers + class: 2 x 60 + 2 x 220 wide, 28 + 2 x 60 + 2 x 64 + 20 high; grey nodes, a gold class node, coloured edges. */
	private void picture(Path out, List<List<String>> edges) {
		ImagePlus png = IJ.openImage(out.resolve("concept-graph.png").toString());
		assertEquals(560, png.getWidth());
		assertEquals(296, png.getHeight());
		int[] rgb = (int[]) png.getProcessor().convertToRGB().getPixels();
		for (int c = 0; c < 2; c++) for (int r = 0; r < 3; r++) {
			// Left of the number, inside the disc.
			assertEquals(0xd2d2d2, rgb[(88 + 64 * r) * 560 + 60 + 220 * c - 9] & 0xffffff, "node c" + (r + 1) + " of column " + c);
		}
		assertEquals(0xf0be3c, rgb[(88 + 64) * 560 + 500 - 9] & 0xffffff, "the class node");
		// The class's residual is written in grey under its name (rows 20-28 below the disc): grey text, nothing black.
		int grey = 0, darkest = 255;
		for (int y = 88 + 64 + 14 + 20; y <= 88 + 64 + 14 + 28; y++) for (int x = 500 - 40; x <= 500 + 40; x++) {
			int v = rgb[y * 560 + x] & 0xffffff, red = v >> 16, green = (v >> 8) & 0xff, blue = v & 0xff;
			if (red != green || green != blue) continue; // an edge's colour
			if (v == 0x808080) grey++;
			darkest = Math.min(darkest, red);
		}
		assertTrue(grey > 0 && darkest >= 0x60, "the residual under the class node: " + grey + " grey pixels, darkest " + darkest);
		// The strongest edge into the class has the colour of its sign along most of its length.
		List<String> strongest = null;
		for (List<String> e : edges.subList(1, edges.size())) {
			if (e.get(2).equals("class") && !e.get(1).equals("residual") && (strongest == null
				|| Math.abs(Double.parseDouble(e.get(4))) > Math.abs(Double.parseDouble(strongest.get(4))))) strongest = e;
		}
		boolean positive = Double.parseDouble(strongest.get(4)) > 0;
		int y0 = 88 + 64 * (Integer.parseInt(strongest.get(1)) - 1), x0 = 280 + 14, x1 = 500 - 14, y1 = 88 + 64, matching = 0;
		for (double t : new double[] { 0.05, 0.1, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9 }) { // the label sits at 0.3
			int v = rgb[(int) Math.round(y0 + t * (y1 - y0)) * 560 + (int) Math.round(x0 + t * (x1 - x0))];
			int red = (v >> 16) & 0xff, blue = v & 0xff;
			if (positive ? red > blue + 60 : blue > red + 60) matching++;
		}
		assertTrue(matching >= 6, matching + " of 8 points along the strongest edge have its sign's colour");
	}

	/** Panels: the PFV's receptive field cut from the input, weighted by its ERF (recomputed here), ERF outlines inside. */
	private void montage(Path file, ConceptBank bank, int fieldSize, int scale, ImagePlus original) {
		ImagePlus montage = IJ.openImage(file.toString());
		List<Roi> frames = new ArrayList<>();
		Map<String, Roi> byName = new HashMap<>();
		for (Roi r : montage.getOverlay().toArray()) byName.put(r.getName(), r);
		Pattern name = Pattern.compile("concept (\\d); example (\\d); ihc-heldout-patches\\.tif slice (\\d+); cell=(\\d+),(\\d+)");
		int[] pixels = (int[]) montage.getProcessor().getPixels();
		int width = montage.getWidth(), checked = 0;
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(model);
			FloatTensor batch = ImagePlusTensors.toTensor(original, model.normalization()).tensor();
			for (Roi r : montage.getOverlay().toArray()) {
				Matcher m = name.matcher(r.getName());
				if (!m.matches()) continue;
				frames.add(r);
				assertEquals(new Rectangle(r.getBounds().x, r.getBounds().y, fieldSize * scale, fieldSize * scale), r.getBounds());
				ConceptBank.Example e = bank.examples.get(Integer.parseInt(m.group(1)) - 1).get(Integer.parseInt(m.group(2)) - 1);
				assertEquals(e.image() + 1, Integer.parseInt(m.group(3)));
				Roi support = byName.get(r.getName() + "; erf");
				assertTrue(support != null, "the ERF is outlined: " + r.getName());
				assertTrue(r.getBounds().contains(support.getBounds()), "the ERF outline lies inside the field's panel");
				int gx = Integer.parseInt(m.group(4)), gy = Integer.parseInt(m.group(5));
				int cell = fieldSize == 8 ? 2 : 4, offset = fieldSize == 8 ? 3 : 7, fx = cell * gx - offset, fy = cell * gy - offset;
				if (fx < 0 || fy < 0 || fx + fieldSize > 32 || fy + fieldSize > 32) continue; // a panel reaching outside the image
				int side = fieldSize == 8 ? 16 : 8;
				float[] erf = srd.effectiveReceptiveField(batch.slice(e.image()), bank.layer, gy * side + gx).map().data();
				int best = -1;
				for (int y = fy; y < fy + fieldSize; y++) for (int x = fx; x < fx + fieldSize; x++) {
					if (best < 0 || Math.abs(erf[y * 32 + x]) > Math.abs(erf[best])) best = y * 32 + x;
				}
				int source = original.getStack().getProcessor(e.image() + 1).get(best % 32, best / 32);
				int shown = pixels[(r.getBounds().y + (best / 32 - fy) * scale) * width + r.getBounds().x + (best % 32 - fx) * scale];
				assertEquals(source & 0xffffff, shown & 0xffffff, "the ERF's peak is shown at full brightness: " + r.getName());
				checked++;
			}
		}
		assertEquals(3 * 4, frames.size(), "one panel per concept and example");
		assertTrue(checked > 0, "at least one panel lies inside the image");
	}

	private void conceptMaps(Path out, ImagePlus original) throws IOException {
		ImagePlus maps = IJ.openImage(out.resolve("ihc-heldout-patches-concept-graph.tif").toString());
		assertEquals(3 + 3 + 3, maps.getNChannels(), "R, G, B, three conv2/relu concepts, three conv3/relu concepts");
		assertEquals(12, maps.getNSlices());
		double total = 0;
		for (int z = 1; z <= 12; z++) {
			for (int c = 0; c < 3; c++) assertArrayEquals(ImagePlusTensors.plane(original, c, z - 1), pixels(maps, c + 1, z), "RGB kept");
			for (int q = 4; q <= 9; q++) for (float v : pixels(maps, q, z)) {
				assertTrue(v >= -1e-6f, "NNLS coefficients are not negative");
				total += v;
			}
		}
		assertTrue(total > 0);
		List<Roi> rois = RoiZip.read(out.resolve("ihc-heldout-patches-concept-graph-RoiSet.zip"));
		assertTrue(rois.size() >= 12 && rois.size() <= 72, rois.size() + " ROIs");
		Pattern name = Pattern.compile("(conv2-relu|conv3-relu) concept ([1-3]); DAB-positive; slice=(\\d+)");
		for (Roi roi : rois) {
			Matcher m = name.matcher(roi.getName());
			assertTrue(m.matches(), roi.getName());
			assertEquals(Integer.parseInt(m.group(3)), roi.getZPosition());
			assertEquals(m.group(1).replace('-', '/'), roi.getProperty("layer"), "the property keeps the layer's real name");
			assertEquals(m.group(2), roi.getProperty("concept"));
		}
		assertEquals(rois.size(), maps.getOverlay().size());
	}

	@Test
	void badInputsAreReportedWithTheirFixAndWriteNothing() {
		String layer = logs.get("bad layer");
		assertTrue(layer.contains("The ERF needs a spatial [N, h, w, c] layer; 'features' is [-1, 32]."), layer);
		assertFalse(layer.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("bad-layer")));
		String x = logs.get("x without layer");
		assertTrue(x.contains("x and y choose the PFV of an ERF: also set erf_layer=[a spatial layer]"), x);
		String op = logs.get("unsupported");
		assertTrue(op.contains("Operation Tanh (node 'act') is not supported by ConceptScope's graph analysis"), op);
		assertFalse(op.contains("still running"));
		assertFalse(Files.exists(work.resolve("srd-tanh")));
		String graph = logs.get("graph no save_dir");
		assertTrue(graph.contains("Headless, the command needs save_dir=[folder]"), graph);
	}

	private static float[] pixels(ImagePlus imp, int channel, int slice) {
		Object p = imp.getStack().getPixels(imp.getStackIndex(channel, slice, 1));
		if (p instanceof float[] f) return f;
		byte[] b = (byte[]) p;
		float[] out = new float[b.length];
		for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xff;
		return out;
	}

	private static double sum(float[] v) {
		double s = 0;
		for (float x : v) s += x;
		return s;
	}

	private static double value(List<String> row, List<String> header, String column) {
		return Double.parseDouble(row.get(header.indexOf(column)));
	}

	private static void assertArrayEquals(float[] expected, float[] actual, String message) {
		org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, message);
	}

	private String macro(String name) throws IOException {
		return Files.readString(macros.resolve(name));
	}

	private Path stack() {
		return testImages.resolve("images").resolve("ihc-heldout-patches.tif");
	}

	private Path model(String name) {
		return testImages.resolve("models").resolve(name);
	}
}
