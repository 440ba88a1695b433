package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.mechanistic.ConceptGraph;
import org.conceptscope.mechanistic.GeneralizedIntegratedGradients;
import org.conceptscope.mechanistic.PfvConcepts;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Graph's {@code scope} as users run it: macros on the bundled IHC model and its 12 held-out
 * patches. With no key the command builds the GIG paper's data-set-wide graph (Kim et al. 2024):
 * banks of "all classes", an edge from every last-layer concept to every predicted class. Checked
 * here against the ops' data-set graph (ConceptGraph.buildDataset, the body of
 * explain.mechanistic.concept_graph_dataset) on the command's own tensor, and against the model
 * itself: per predicted class c, the edges into c sum to the mean over the images predicted as c of
 * logit_c(real activations) - logit_c(zero activations) at the last layer (GIG completeness: the
 * concepts' edges and the residual edge, what the concepts do not carry). The
 * graph of one class ({@code scope=class}) is a different graph; a class target with the data-set
 * scope is refused in one sentence.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConceptGraphScopeMacroTest {

	@TempDir
	static Path work;

	static final String LAYERS = "conv2/relu,conv3/relu";
	static final int CONCEPTS = 3, SAMPLES = 300, STEPS = 16, EXAMPLES = 2;
	static final long SEED = 7;
	private final Path stack = TestFiles.testImages().resolve("images/ihc-heldout-patches.tif");
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Map<String, String> logs;

	private String graph(String keys, String dir) {
		return "setBatchMode(true);\nopen('" + stack + "');\nrun('Concept Graph...', 'model=[" + model + "] layers=[" + LAYERS + "] concepts="
			+ CONCEPTS + " samples=" + SAMPLES + " steps=" + STEPS + " examples=" + EXAMPLES + " seed=" + SEED + keys + " save_dir=["
			+ work.resolve(dir) + "]');\n";
	}

	@BeforeAll
	void runTheMacros() throws Exception {
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("dataset", new Macro(graph("", "dataset"), ""));
		runs.put("class", new Macro(graph(" scope=class target=predicted", "class"), ""));
		runs.put("class target without scope", new Macro(graph(" target=DAB-positive", "refused"), ""));
		logs = MacroRunner.run(runs, work);
	}

	private static List<List<String>> csv(Path file) throws IOException {
		return Csv.parse(Files.readString(file));
	}

	@Test
	void noKeyBuildsTheDataSetGraphOfTheOpsWithEdgesToEveryPredictedClass() throws IOException {
		assertFalse(logs.get("dataset").contains("Error"), logs.get("dataset"));
		Path out = work.resolve("dataset");
		ConceptBank lower = ConceptBank.load(out.resolve("conv2_relu-concepts.json")), upper = ConceptBank.load(out.resolve("conv3_relu-concepts.json"));
		for (ConceptBank b : List.of(lower, upper)) assertEquals(PfvConcepts.ALL_CLASSES, b.className);
		List<List<String>> edges = csv(out.resolve("concept-graph.csv"));

		ImagePlus original = IJ.openImage(stack.toString());
		ConceptGraph.Result want;
		Map<String, Double> change = new TreeMap<>(), logit = new TreeMap<>();
		double[][] upperEnds = new double[CONCEPTS][];
		try (TensorFlowClassifier tf = TensorFlowClassifier.load(model)) {
			FloatTensor x = ImagePlusTensors.toTensor(original, tf.normalization()).tensor();
			want = ConceptGraph.buildDataset(tf, x, new ConceptGraph.Options(List.of("conv2/relu", "conv3/relu"), CONCEPTS, SAMPLES, SEED, STEPS,
				EXAMPLES, 0.9), Progress.NONE);
			FloatTensor logits = tf.logits(x), acts = tf.activations(x, "conv3/relu");
			FloatTensor zero = tf.logitsFromLayer("conv3/relu", FloatTensor.zeros(1, acts.dim(1), acts.dim(2), acts.dim(3)));
			// each upper concept's projection mean_p <a_p, w_j> / |w_j|^2 at the two ends of GIG's path from conv2/relu: the real
			// conv3/relu activations (mean over the images), and what zero conv2/relu activations give conv3/relu
			FloatTensor low = tf.activations(x.range(0, 1), "conv2/relu");
			FloatTensor start = tf.layerFromLayer("conv2/relu", FloatTensor.zeros(1, low.dim(1), low.dim(2), low.dim(3)), "conv3/relu");
			int uc = upper.channels(), per = acts.stride0(), pos = per / uc;
			for (int j = 0; j < CONCEPTS; j++) {
				double n2 = 0;
				for (int ch = 0; ch < uc; ch++) n2 += upper.concepts[j][ch] * upper.concepts[j][ch];
				double real = 0, zeroStart = 0;
				for (int ch = 0; ch < uc; ch++) {
					for (int i = 0; i < acts.dim(0); i++) for (int p = 0; p < pos; p++) real += acts.data()[i * per + p * uc + ch] * upper.concepts[j][ch];
					for (int p = 0; p < pos; p++) zeroStart += start.data()[p * uc + ch] * upper.concepts[j][ch];
				}
				upperEnds[j] = new double[] { real / (acts.dim(0) * pos * n2), zeroStart / (pos * n2) };
			}
			int[] predicted = logits.argmaxRows();
			Map<String, Integer> count = new TreeMap<>();
			for (int i = 0; i < predicted.length; i++) {
				String name = tf.classNames().get(predicted[i]);
				change.merge(name, (double) logits.get(i, predicted[i]) - zero.get(0, predicted[i]), Double::sum);
				logit.merge(name, (double) logits.get(i, predicted[i]), Double::sum);
				count.merge(name, 1, Integer::sum);
			}
			for (String c : count.keySet()) {
				change.put(c, change.get(c) / count.get(c));
				logit.put(c, logit.get(c) / count.get(c));
			}
		}
		assertTrue(change.size() >= 2, "the 12 patches are predicted as several classes: " + change);

		// the command's table is the ops' data-set graph, edge by edge
		assertEquals(want.edges().size() + 1, edges.size());
		for (int k = 0; k < want.edges().size(); k++) {
			GeneralizedIntegratedGradients.Edge e = want.edges().get(k);
			List<String> row = edges.get(k + 1);
			boolean cls = e.className() != null;
			assertEquals(List.of(e.fromLayer(), e.isResidual() ? "residual" : Integer.toString(e.fromConcept() + 1), cls ? "class" : e.toLayer(),
				cls ? e.className() : Integer.toString(e.toConcept() + 1)), row.subList(0, 4));
			assertEquals(e.relevance(), Double.parseDouble(row.get(4)), 1e-4 * (1 + Math.abs(e.relevance())), "edge " + row);
		}

		// per predicted class, its edges (its residual edge included) sum to its mean logit change over its images (completeness,
		// recomputed here)
		Map<String, Double> into = new TreeMap<>();
		Map<String, Integer> edgesInto = new TreeMap<>();
		for (List<String> row : edges.subList(1, edges.size())) {
			if (!row.get(2).equals("class")) continue;
			assertEquals("conv3/relu", row.get(0));
			into.merge(row.get(3), Double.parseDouble(row.get(4)), Double::sum);
			edgesInto.merge(row.get(3), 1, Integer::sum);
		}
		assertEquals(change.keySet(), into.keySet(), "an edge into every predicted class, and only those");
		for (String c : change.keySet()) {
			assertEquals(CONCEPTS + 1, edgesInto.get(c), c + ": the concepts' edges and the residual edge");
			assertEquals(change.get(c), into.get(c), 0.03 * Math.abs(change.get(c)) + 1e-3, "GIG completeness for " + c);
		}

		// nodes: the concepts and the residual of each layer, one row per class reached, then the graph's own class row
		List<List<String>> nodes = csv(out.resolve("concept-graph-nodes.csv"));
		assertEquals(1 + 2 * (CONCEPTS + 1) + change.size() + 1, nodes.size());
		assertEquals(List.of("conv2/relu", "residual"), nodes.get(1 + CONCEPTS).subList(0, 2));
		assertEquals(List.of("conv3/relu", "residual"), nodes.get(2 * (CONCEPTS + 1)).subList(0, 2));
		for (List<String> row : nodes.subList(1 + 2 * (CONCEPTS + 1), nodes.size() - 1)) {
			assertEquals("class", row.get(0));
			assertEquals(into.get(row.get(1)), Double.parseDouble(row.get(3)), 1e-6 * (1 + Math.abs(into.get(row.get(1)))));
			// and the class's own score and zero score, so its completeness gap (midpoint rule, not in the residual) shows per class
			String c = row.get(1);
			assertEquals(logit.get(c), Double.parseDouble(row.get(7)), 1e-4 * (1 + Math.abs(logit.get(c))), c + ": score");
			assertEquals(logit.get(c) - change.get(c), Double.parseDouble(row.get(8)), 1e-4 * (1 + Math.abs(logit.get(c))), c + ": zero_score");
		}
		// each upper concept: score and zero_score are its projection at the real activations and at the path's start (zero
		// conv2/relu activations), recomputed above, and the edges into it (residual included) sum to their difference (GIG
		// completeness for a concept target, up to the midpoint rule); the lower layer's concepts have no path into them
		for (int j = 0; j < CONCEPTS; j++) {
			List<String> row = nodes.get(1 + CONCEPTS + 1 + j);
			assertEquals(List.of("conv3/relu", Integer.toString(j + 1)), row.subList(0, 2));
			double score = Double.parseDouble(row.get(7)), zeroScore = Double.parseDouble(row.get(8));
			assertEquals(upperEnds[j][0], score, 1e-4 * (1 + Math.abs(upperEnds[j][0])), "concept " + (j + 1) + ": score");
			assertEquals(upperEnds[j][1], zeroScore, 1e-4 * (1 + Math.abs(upperEnds[j][1])), "concept " + (j + 1) + ": zero_score");
			double gap = upperEnds[j][0] - upperEnds[j][1];
			assertEquals(gap, Double.parseDouble(row.get(3)), 0.03 * Math.abs(gap) + 1e-3, "GIG completeness into upper concept " + (j + 1));
			assertEquals(List.of("", ""), nodes.get(1 + j).subList(7, 9), "no path leads into a concept of the first layer");
		}
		List<String> all = nodes.get(nodes.size() - 1);
		assertEquals(List.of("class", PfvConcepts.ALL_CLASSES), all.subList(0, 2));
		double score = Double.parseDouble(all.get(7)), zeroScore = Double.parseDouble(all.get(8));
		assertEquals(score - zeroScore, Double.parseDouble(all.get(3)), 0.03 * Math.abs(score - zeroScore) + 1e-3,
			"each image's own class: relevances sum to the mean logit change");

		// the concept maps carry the replay line with the scope, and every slice its ROIs
		ImagePlus maps = IJ.openImage(out.resolve("ihc-heldout-patches-concept-graph.tif").toString());
		assertTrue(((String) maps.getProperty("Info")).contains(" scope=dataset "), (String) maps.getProperty("Info"));
		List<String> classNames = new ArrayList<>();
		for (Roi r : maps.getOverlay().toArray()) if (!classNames.contains(r.getName().split("; ")[1])) classNames.add(r.getName().split("; ")[1]);
		assertEquals(List.of(PfvConcepts.ALL_CLASSES), classNames, "ROIs named <layer> concept k; all classes; slice=z");
	}

	@Test
	void theGraphOfOneClassIsAnotherGraphAndAClassTargetNeedsTheClassScope() throws IOException {
		assertFalse(logs.get("class").contains("Error"), logs.get("class"));
		List<List<String>> perClass = csv(work.resolve("class").resolve("concept-graph.csv"));
		List<List<String>> dataset = csv(work.resolve("dataset").resolve("concept-graph.csv"));
		long classes = perClass.stream().skip(1).filter(r -> r.get(2).equals("class")).map(r -> r.get(3)).distinct().count();
		assertEquals(1, classes, "one class");
		assertTrue(dataset.size() > perClass.size(), "the data-set graph has edges into more classes");
		ConceptBank one = ConceptBank.load(work.resolve("class").resolve("conv3_relu-concepts.json"));
		ConceptBank all = ConceptBank.load(work.resolve("dataset").resolve("conv3_relu-concepts.json"));
		assertNotEquals(PfvConcepts.ALL_CLASSES, one.className);
		boolean differ = false;
		for (int q = 0; q < CONCEPTS; q++) for (int c = 0; c < one.channels(); c++) differ |= Math.abs(one.concepts[q][c] - all.concepts[q][c]) > 1e-6;
		assertTrue(differ, "concepts from one class's contributions are not those of the data set");
		ImagePlus maps = IJ.openImage(work.resolve("class").resolve("ihc-heldout-patches-concept-graph.tif").toString());
		assertTrue(((String) maps.getProperty("Info")).contains(" scope=class "), "the replay line records the scope");

		String log = logs.get("class target without scope");
		assertTrue(log.contains("target=DAB-positive picks one class, but scope=dataset builds the graph over every predicted class: add"
			+ " scope=class for the graph of that class, or leave target out."), log);
		assertFalse(Files.exists(work.resolve("refused")) && !TestFiles.names(work.resolve("refused")).isEmpty(), "nothing written");
	}
}
