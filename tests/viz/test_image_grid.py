"""ember.viz.save_image_grid tiles a batch of images into one PNG, atomically."""

import matplotlib.image
import numpy as np
import pytest

import ember


def test_grid_places_each_image_in_its_cell_and_the_png_holds_the_grid(tmp_path):
    images = np.stack([np.full((2, 3), i / 4) for i in range(5)])  # five flat images, values 0, .25, ..., 1
    path = tmp_path / "grid.png"
    grid = ember.viz.save_image_grid(images, path, rows=2, padding=1)
    assert grid.shape == (2 * 4, 3 * 5) and grid.dtype == np.uint8
    for i in range(5):
        r, c = divmod(i, 3)
        cell = grid[r * 4 + 1 : r * 4 + 3, c * 5 + 1 : c * 5 + 4]
        assert (cell == round(i / 4 * 255)).all()
    assert (grid[0] == 255).all() and (grid[4:, 10:] == 255).all()  # padding and the empty sixth cell are white
    png = matplotlib.image.imread(path)
    np.testing.assert_array_equal(np.round(png[..., 0] * 255).astype("uint8"), grid)


def test_value_range_channels_and_tensor_input(tmp_path):
    tanh_images = ember.tensor(np.array([[[-1.0, 0.0], [1.0, 3.0]]], "float32")[..., None])  # (1, 2, 2, 1)
    grid = ember.viz.save_image_grid(tanh_images, tmp_path / "t.png", padding=0, value_range=(-1, 1))
    np.testing.assert_array_equal(grid, [[0, 128], [255, 255]])  # 3.0 is clipped to the top of the range
    rgb = ember.viz.save_image_grid(np.zeros((4, 2, 2, 3)), tmp_path / "rgb.png")
    assert rgb.shape == (8, 8, 3)


def test_bad_input_is_rejected_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "grid.png"
    ember.viz.save_image_grid(np.zeros((1, 2, 2)), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"save_image_grid: expected images of shape .*Received: shape=\(2, 2\)"):
        ember.viz.save_image_grid(np.zeros((2, 2)), path)
    with pytest.raises(ValueError, match=r"Received: shape=\(3, 2, 2, 2\)"):
        ember.viz.save_image_grid(np.zeros((3, 2, 2, 2)), path)
    with pytest.raises(ValueError, match="low < high"):
        ember.viz.save_image_grid(np.zeros((1, 2, 2)), path, value_range=(1, 1))
    with pytest.raises(ValueError, match="rows must be >= 1"):
        ember.viz.save_image_grid(np.zeros((1, 2, 2)), path, rows=0)
    assert path.read_bytes() == before
