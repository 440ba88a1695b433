package org.conceptscope.model.torch;

import java.nio.file.Path;
import java.util.Map;

import org.conceptscope.model.LoadOptions;

/**
 * A TorchScript model without a batch axis, written by the project's own archive writer from the bundled IHC ResNet
 * (test-images/models/ihc-resnet-torchscript, made and seeded by its make_fixtures.py): the top-level forward takes one
 * image [C, H, W], puts a batch axis of 1 in front of it ({@code torch.unsqueeze(x, 0)}) and takes it off the logits
 * ({@code torch.squeeze(..., 0)}), as a model traced from a batch-free bioimage.io 0.5 description does. It computes,
 * for one image, row 0 of what the batched model gives for [1, C, H, W].
 */
public final class BatchFreeTorchScript {

	static final String FIRST = "_0 = (bn1).forward((conv1).forward(x, ), )";
	static final String LAST = "return (fc).forward(input, )";

	private BatchFreeTorchScript() {}

	public static Path withoutBatchAxis(Path source, Path file) throws Exception {
		TorchScriptArchive archive = TorchScriptArchive.read(source, LoadOptions.defaults().maxUnpackedBytes());
		String code = archive.code().get("code/__torch__.py");
		if (code == null || !code.contains(FIRST) || !code.contains(LAST)) throw new IllegalArgumentException(source + " is not the IHC ResNet");
		code = code.replace(FIRST, "_0 = (bn1).forward((conv1).forward(torch.unsqueeze(x, 0), ), )")
			.replace(LAST, "return torch.squeeze((fc).forward(input, ), 0)");
		archive.writeWith(file, Map.of("code/__torch__.py", code));
		return file;
	}
}
