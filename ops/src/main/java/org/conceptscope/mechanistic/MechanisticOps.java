package org.conceptscope.mechanistic;

import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** SRD, ERF, PFV concept vectors and GIG as named SciJava Ops (explain.mechanistic.*). */
public final class MechanisticOps implements OpCollection {

	private static final String PREFIX = "explain.mechanistic.";

	@OpMethod(names = PREFIX + "srd", type = Functions.Arity3.class,
		description = "Sharing Ratio Decomposition: relevance of the class logit per input pixel, for one image [1, H, W, C].")
	public static SharingRatioDecomposition.Decomposition srd(TensorFlowClassifier classifier, FloatTensor image, Integer target) {
		return new SharingRatioDecomposition(classifier).classRelevance(image, target);
	}

	@OpMethod(names = PREFIX + "erf", type = Functions.Arity4.class,
		description = "Effective receptive field of the PFV at a position (y * width + x) of a layer.")
	public static SharingRatioDecomposition.Decomposition erf(TensorFlowClassifier classifier, FloatTensor image, String layer,
		Integer position) {
		return new SharingRatioDecomposition(classifier).effectiveReceptiveField(image, layer, position);
	}

	@OpMethod(names = PREFIX + "pfvConcepts", type = Functions.Arity7.class,
		description = "Concept vectors: k-means of PFVs sampled by their contribution to a class.")
	public static ConceptBank pfvConcepts(TensorFlowClassifier classifier, FloatTensor images, Integer classIndex, String layer,
		Integer concepts, Integer samples, Long seed) {
		return PfvConcepts.fit(classifier, images, classIndex, layer, concepts, samples, seed, 8);
	}

	@OpMethod(names = PREFIX + "receptiveField", type = Functions.Arity4.class,
		description = "Theoretical receptive field (input pixels, unclipped) of the PFV at a position (y * width + x) of a layer.")
	public static ReceptiveField.Rect receptiveField(TensorFlowClassifier classifier, FloatTensor image, String layer, Integer position) {
		return new SharingRatioDecomposition(classifier).receptiveField(image, layer, position);
	}

	@OpMethod(names = PREFIX + "conceptGraph", type = Functions.Arity4.class,
		description = "PFV concepts at several layers, GIG edges between consecutive layers and to the class, ERFs of each concept's strongest PFVs.")
	public static ConceptGraph.Result conceptGraph(TensorFlowClassifier classifier, FloatTensor images, Integer classIndex,
		ConceptGraph.Options options) {
		return ConceptGraph.build(classifier, images, classIndex, options, org.conceptscope.util.Progress.NONE);
	}

	@OpMethod(names = PREFIX + "gig", type = Functions.Arity5.class,
		description = "Generalized Integrated Gradients concept graph between two concept banks and the class.")
	public static List<GeneralizedIntegratedGradients.Edge> gig(TensorFlowClassifier classifier, ConceptBank lower, ConceptBank upper,
		FloatTensor images, Integer steps) {
		return new GeneralizedIntegratedGradients(classifier, steps).graph(lower, upper, images);
	}
}
