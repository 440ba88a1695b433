package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole concept graph on the IHC model: layers, completeness to the class, ERFs inside their fields, maps, layout. */
class ConceptGraphBuildTest {

	static TensorFlowClassifier model;
	static FloatTensor images;
	static ConceptGraph.Result graph;

	@BeforeAll
	static void build() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		images = SharingRatioDecompositionTest.random(11, 4, 32, 32, 3);
		graph = ConceptGraph.build(model, images, 2, new ConceptGraph.Options(List.of("conv3/relu", "conv2/relu"), 3, 400, 5, 64, 2, 0.9),
			Progress.NONE);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	@Test
	void defaultLayersAreTheLastTwoBlockOutputs() {
		assertEquals(List.of("conv2/relu", "conv3/relu"), ConceptGraph.defaultLayers(model));
		assertEquals(List.of("conv2/relu", "conv3/relu"), ConceptGraph.resolveLayers(model, List.of("conv3/relu", "conv2/relu")),
			"sorted from input to output");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConceptGraph.resolveLayers(model, List.of("features")));
		assertTrue(e.getMessage().startsWith("Layer 'features' is [-1, 32], not spatial: PFV concepts need spatial layers"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> ConceptGraph.resolveLayers(model, List.of("conv2/relu", "conv2/relu")));
	}

	/**
	 * A layer inside a residual block cannot be fed (the skip connection reaches around it): naming
	 * it is refused in one sentence that lists the layers that split the model, before any bank is
	 * fitted (no progress reported); the layers around the block are taken.
	 */
	@Test
	void aLayerInsideAResidualBlockIsRefusedBeforeAnyWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
		org.conceptscope.verify.ResidualModel.export(tmp.resolve("res"), 3, 8, 2, (tf, g, x, r) -> {
			org.tensorflow.Operand<org.tensorflow.types.TFloat32> relu = tf.withName("relu").nn.relu(org.conceptscope.verify.ResidualModel.conv(tf,
				"conv", x, org.conceptscope.verify.ResidualModel.random(r, 72, 0.5), new long[] { 3, 3, 2, 4 }, 1, "SAME"));
			org.tensorflow.Operand<org.tensorflow.types.TFloat32> branch = tf.withName("branch_relu").nn.relu(org.conceptscope.verify.ResidualModel
				.conv(tf, "branch", relu, org.conceptscope.verify.ResidualModel.random(r, 16, 0.5), new long[] { 1, 1, 4, 4 }, 1, "SAME"));
			org.tensorflow.Operand<org.tensorflow.types.TFloat32> out = tf.withName("out").nn.relu(tf.withName("block").math.add(relu, branch));
			org.tensorflow.Operand<org.tensorflow.types.TFloat32> mean = tf.withName("gap").math.mean(out, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(mean, org.conceptscope.verify.ResidualModel.constant(tf, new long[] { 4, 2 },
				org.conceptscope.verify.ResidualModel.random(r, 8, 1)));
		});
		try (TensorFlowClassifier res = TensorFlowClassifier.load(tmp.resolve("res"))) {
			assertEquals(List.of("relu", "out"), ConceptGraph.resolveLayers(res, List.of("out", "relu")));
			String m = assertThrows(IllegalArgumentException.class, () -> ConceptGraph.resolveLayers(res, List.of("relu", "branch_relu"))).getMessage();
			assertTrue(m.startsWith("Layer 'branch_relu' does not split the model: the logits depend on the input also through a path around it")
				&& m.contains("[conv, relu, block, out]"), m);
			java.util.concurrent.atomic.AtomicInteger reports = new java.util.concurrent.atomic.AtomicInteger();
			FloatTensor x = SharingRatioDecompositionTest.random(2, 2, 8, 8, 2);
			assertThrows(IllegalArgumentException.class, () -> ConceptGraph.build(res, x, 0, new ConceptGraph.Options(List.of("branch_relu", "out"),
				2, 50, 1, 4, 1, 0.9), (d, t, msg) -> reports.incrementAndGet() >= 0));
			assertEquals(0, reports.get(), "refused before any bank is fitted");
		}
	}

	/** Completeness: the class edges, residual included, sum to h(A) - h(0) at the last layer, mean over the images (64 midpoint steps). */
	@Test
	void classEdgesSumToTheChangeOfTheClassScore() {
		assertEquals(2, graph.banks().size());
		assertEquals("conv2/relu", graph.banks().get(0).layer);
		assertEquals(3 * (3 + 1) + 3 + 1, graph.edges().size(), "every lower-upper pair and every upper concept to the class, a residual into each");
		double sum = 0;
		for (GeneralizedIntegratedGradients.Edge e : graph.edges()) if (e.toLayer().equals("class:DAB-positive")) sum += e.relevance();
		assertEquals(graph.residuals()[1], graph.edges().get(graph.edges().size() - 1).relevance(), 1e-12, "the class's residual edge");
		double change = graph.classScore() - graph.zeroScore();
		assertTrue(Math.abs(change) > 1e-3, "the concepts move the class score: " + change);
		assertEquals(change, sum, 0.02 * Math.abs(change) + 1e-4);
		for (ConceptBank b : graph.banks()) assertEquals(b.size(), b.importance.length, "importance = relevance for the class");
	}

	@Test
	void everyExampleErfLiesInsideItsPfvsField() {
		for (int b = 0; b < 2; b++) {
			ConceptBank bank = graph.banks().get(b);
			assertEquals(bank.size(), graph.erfs().get(b).size());
			for (List<ConceptGraph.ExampleErf> perConcept : graph.erfs().get(b)) {
				assertEquals(2, perConcept.size());
				for (ConceptGraph.ExampleErf e : perConcept) {
					int cell = b == 0 ? 2 : 4, size = b == 0 ? 8 : 18, offset = b == 0 ? 3 : 7;
					assertEquals(new ReceptiveField.Rect(cell * e.gridX() - offset, cell * e.gridY() - offset, size, size), e.field());
					for (int p = 0; p < e.erf().length; p++) {
						if (!e.field().contains(p % 32, p / 32)) assertEquals(0f, e.erf()[p], "ERF outside the field");
						if (e.support()[p]) assertTrue(e.field().contains(p % 32, p / 32));
					}
				}
			}
		}
	}

	@Test
	void conceptMapsHoldEveryBanksConceptsSideBySide() {
		FloatTensor maps = ConceptGraph.conceptMaps(model, graph.banks(), images);
		assertEquals(List.of(4L, 32L, 32L, 6L), List.of(maps.dim(0), maps.dim(1), maps.dim(2), maps.dim(3)));
		FloatTensor second = org.conceptscope.concepts.ConceptLocalization.localize(model, graph.banks().get(1), images).maps();
		for (int p = 0; p < 4 * 32 * 32; p++) for (int q = 0; q < 3; q++) assertEquals(second.data()[p * 3 + q], maps.data()[p * 6 + 3 + q]);
		for (float v : maps.data()) assertTrue(v >= 0, "non-negative coefficients");
	}

	@Test
	void layoutPutsLayersInColumnsAndTheClassLast() {
		ConceptGraphLayout layout = ConceptGraphLayout.of(graph.banks(), graph.edges());
		assertEquals(2 * ConceptGraphLayout.MARGIN + 2 * ConceptGraphLayout.COLUMN, layout.width());
		assertEquals(ConceptGraphLayout.HEADER + 2 * ConceptGraphLayout.MARGIN + 2 * ConceptGraphLayout.ROW + ConceptGraphLayout.FOOTER,
			layout.height());
		assertEquals(List.of("conv2/relu", "conv3/relu", "class:DAB-positive"), layout.columns());
		assertEquals(3 + 3 + 1, layout.nodes().size());
		ConceptGraphLayout.Node cls = layout.nodes().get(6);
		assertEquals(-1, cls.concept());
		assertEquals(layout.nodes().get(4).y(), cls.y(), 1e-9, "the single class node sits at the middle row");
		assertEquals(12, layout.links().size(), "residual edges have no source node and are not drawn");
		assertEquals(3 + 1, layout.residuals().size(), "a residual into each conv3/relu concept and into the class");
		for (GeneralizedIntegratedGradients.Edge e : graph.edges()) {
			if (!e.isResidual()) continue;
			ConceptGraphLayout.Node to = layout.nodes().stream().filter(n -> n.layer().equals(e.toLayer()) && n.concept() == e.toConcept()).findFirst()
				.orElseThrow();
			assertEquals(e.relevance(), layout.residuals().get(to), 1e-12);
		}
		double[] maxPerColumn = new double[3];
		for (ConceptGraphLayout.Link l : layout.links()) {
			assertEquals(l.from().column() + 1, l.to().column(), "edges join neighbouring columns");
			maxPerColumn[l.to().column()] = Math.max(maxPerColumn[l.to().column()], l.width());
		}
		assertEquals(ConceptGraphLayout.MAX_WIDTH, maxPerColumn[1], 1e-9);
		assertEquals(ConceptGraphLayout.MAX_WIDTH, maxPerColumn[2], 1e-9);
	}

	/**
	 * A data-set-wide graph reaches several classes: the last column holds one node per class its edges reach (in their
	 * order), titled "classes", each class edge ends at its own class's node, and widths are relative to the strongest
	 * edge into the whole class column.
	 */
	@Test
	void layoutOfADatasetGraphHasOneNodePerClassReached() {
		java.util.List<GeneralizedIntegratedGradients.Edge> edges = new java.util.ArrayList<>();
		for (GeneralizedIntegratedGradients.Edge e : graph.edges()) if (e.className() == null) edges.add(e);
		for (int j = 0; j < 3; j++) {
			edges.add(GeneralizedIntegratedGradients.Edge.toClass("conv3/relu", j, "hematoxylin", 0.5 * (j + 1)));
			edges.add(GeneralizedIntegratedGradients.Edge.toClass("conv3/relu", j, "background", -2.0 + j));
		}
		ConceptGraphLayout layout = ConceptGraphLayout.of(graph.banks(), edges);
		assertEquals(List.of("conv2/relu", "conv3/relu", ConceptGraphLayout.CLASSES), layout.columns());
		assertEquals(3 + 3 + 2, layout.nodes().size());
		assertEquals(List.of("hematoxylin", "background"), layout.nodes().subList(6, 8).stream().map(ConceptGraphLayout.Node::label).toList());
		for (ConceptGraphLayout.Link l : layout.links()) {
			if (l.edge().className() == null) continue;
			assertEquals(l.edge().className(), l.to().label(), "an edge ends at its own class");
			assertEquals(2, l.to().column());
			assertEquals(Math.abs(l.edge().relevance()) / 2.0, l.strength(), 1e-12, "relative to the strongest class edge, |-2|");
		}
		assertEquals("hematoxylin", GeneralizedIntegratedGradients.Edge.toClass("x", 0, "hematoxylin", 1).className());
		assertEquals(null, new GeneralizedIntegratedGradients.Edge("a", 0, "b", 1, 1).className());
	}
}
