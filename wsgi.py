from hotline import create_app

app = create_app()
